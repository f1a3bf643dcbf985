"""Shared fixtures: small real shards in every supported format."""

from __future__ import annotations

import os
import socket
import sys
import urllib.request

import pytest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from tests.shardgen import html_page, write_jsonl, write_warc, write_wet  # noqa: E402

SAMPLE_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "sample")

SENTENCES = {
    "en": "The committee met on Tuesday to discuss the new library, the budget and the roads near the school.",
    "de": "Der Ausschuss traf sich am Dienstag, um über die neue Bibliothek und die Straßen zu sprechen.",
    "fr": "Le comité s'est réuni mardi pour discuter de la nouvelle bibliothèque et des routes du village.",
}


def make_docs(lang: str, n: int, start: int = 0) -> list[str]:
    base = SENTENCES[lang]
    return [f"{base} ({i})\n{base.upper() if i % 7 == 0 else base}\nItem {i}." for i in range(start, start + n)]


@pytest.fixture
def shard_dir(tmp_path):
    """Four shards, one per format: 40 + 30 + 20 + 10 documents."""
    d = tmp_path / "shards"
    d.mkdir()
    write_jsonl(str(d / "en.jsonl.zst"), [{"text": t, "url": f"http://en.org/{i}"} for i, t in enumerate(make_docs("en", 40))])
    pages = [(f"http://de.org/{i}", html_page(f"Seite {i}", t.split("\n"), "de").encode(), "text/html; charset=utf-8")
             for i, t in enumerate(make_docs("de", 30))]
    write_warc(str(d / "de.warc.gz"), pages)
    write_wet(str(d / "fr.warc.wet.gz"), [(f"http://fr.org/{i}", t) for i, t in enumerate(make_docs("fr", 20))])
    write_jsonl(str(d / "mix.jsonl.gz"), [{"id": f"m{i}", "text": t} for i, t in enumerate(make_docs("en", 10, 100))])
    return d


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def s3_options(monkeypatch):
    """A real S3-compatible server (moto's server mode) on a loopback port; fsspec storage options for it."""
    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port)
    server.start()
    for key, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                       "AWS_DEFAULT_REGION": "us-east-1"}.items():
        monkeypatch.setenv(key, value)
    endpoint = f"http://127.0.0.1:{port}"
    yield {"endpoint_url": endpoint, "key": "testing", "secret": "testing"}
    # moto keeps its buckets in process-wide state: forget them, so each test starts empty.
    urllib.request.urlopen(urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST"), timeout=10)
    server.stop()


@pytest.fixture(scope="session")
def demo_out(tmp_path_factory):
    """The demo job (jobs/demo.yaml: annotate, dedup, select on the shipped sample) run once into a tmp dir."""
    import yaml

    from pipeline.job import load_job, run_job

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out = tmp_path_factory.mktemp("demo") / "out"
    with open(os.path.join(root, "jobs", "demo.yaml"), encoding="utf-8") as fh:
        raw = yaml.safe_load(fh)
    raw["output"] = str(out)
    raw["annotate"]["inputs"] = [os.path.join(root, p) for p in raw["annotate"]["inputs"]]
    raw["select"]["filters"] = os.path.join(root, raw["select"]["filters"])
    job_file = out.parent / "demo.yaml"
    job_file.write_text(yaml.safe_dump(raw))
    run_job(load_job(str(job_file)))
    return out
