"""Security: YAML is loaded safely, nothing is evaluated, outputs stay inside their folder, and
credentials never reach a manifest or a printed error."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from pipeline.job import load_job
from pipeline.manifest import write_manifest
from pipeline.redact import REDACTED, redact, redact_text
from pipeline.shards import plan_tasks
from pipeline.storage import confined_join
from schemas.config import AnnotateConfig
from schemas.manifest import ShardReport

ROOT = Path(__file__).resolve().parent.parent
SOURCES = [p for d in ("pipeline", "signals", "filters", "schemas", "bench") for p in (ROOT / d).rglob("*.py")]


def _calls(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            f = node.func
            yield node, (f.id if isinstance(f, ast.Name) else
                         f"{f.value.id}.{f.attr}" if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name)
                         else None)


def test_no_unsafe_yaml_and_no_eval_in_the_code():
    assert len(SOURCES) > 50
    offenders = []
    for path in SOURCES:
        for node, name in _calls(ast.parse(path.read_text(), str(path))):
            if name in {"eval", "exec", "compile", "yaml.load", "yaml.unsafe_load", "yaml.full_load",
                        "yaml.load_all", "yaml.unsafe_load_all", "pickle.loads", "pickle.load"}:
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}: {name}")
    assert offenders == []
    loads = [p for p in SOURCES if "yaml.safe_load" in p.read_text()]
    assert loads  # the YAML readers exist and use safe_load


def test_a_job_file_cannot_run_code(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    job = tmp_path / "job.yaml"
    job.write_text('output: out\nannotate:\n  inputs: !!python/object/apply:os.system ["touch pwned"]\n')
    with pytest.raises(ValueError, match="not valid YAML"):
        load_job(str(job))
    job.write_text("output: out\nannotate:\n  inputs: [a.jsonl]\n")
    with pytest.raises(ValueError, match="not valid YAML"):
        load_job(str(job), ['annotate.batch_size=!!python/object/apply:os.system ["touch pwned"]'])
    assert not (tmp_path / "pwned").exists()
    # Values are data, never expressions: "__import__('os')" stays a string and fails validation.
    with pytest.raises(ValueError, match="batch_size"):
        load_job(str(job), ["annotate.batch_size=__import__('os').getpid()"])


@pytest.mark.parametrize("name", ["../escape", "a/../../b", "/etc/passwd", "s3://other/x", "C:/x", "~/x", "",
                                  "..\\win"])
def test_output_names_cannot_leave_the_output_folder(name):
    with pytest.raises(ValueError, match="inside the output folder"):
        confined_join("/data/out", name)


def test_shard_outputs_stay_inside_the_output_folder_whatever_the_input_names(tmp_path):
    out = tmp_path / "out"
    inputs = [f"s3://bucket/{d}/..{n}.jsonl" for d in ("a", "b") for n in ("", ".x")] + ["s3://bucket/c/....jsonl"]
    for task in plan_tasks(inputs, str(out)):
        for path in (task.output, task.marker):
            assert Path(path).resolve().is_relative_to(out.resolve()), path
    assert confined_join("/data/out", "_shards", "a.json") == "/data/out/_shards/a.json"


def test_secrets_are_redacted_in_configs_and_urls():
    config = {"storage_options": {"key": "AKIA123", "secret": "s3cr3t", "token": "tok",
                                  "endpoint_url": "http://user:pw@127.0.0.1:9000",
                                  "client_kwargs": {"aws_secret_access_key": "s2", "region_name": "eu-west-1"}},
              "reader": {"text_field": "text", "id_field": "id"}, "keep": "first", "batch_size": 7}
    out = redact(config)
    so = out["storage_options"]
    assert so["key"] == so["secret"] == so["token"] == so["client_kwargs"]["aws_secret_access_key"] == REDACTED
    assert so["endpoint_url"] == f"http://user:{REDACTED}@127.0.0.1:9000"
    assert so["client_kwargs"]["region_name"] == "eu-west-1"
    assert out["reader"] == config["reader"] and out["keep"] == "first" and out["batch_size"] == 7
    signed = "https://b.s3.amazonaws.com/k?X-Amz-Credential=AK%2F&X-Amz-Signature=abc123&part=2"
    assert redact_text(signed) == f"https://b.s3.amazonaws.com/k?X-Amz-Credential={REDACTED}" \
                                  f"&X-Amz-Signature={REDACTED}&part=2"


def test_the_manifest_never_holds_credentials(tmp_path):
    config = AnnotateConfig(inputs=("s3://b/raw",), output=str(tmp_path),
                            storage_options={"key": "AKIAEXAMPLE", "secret": "very-secret-value",
                                             "endpoint_url": "http://admin:hunter2@127.0.0.1:9000"})
    report = ShardReport(shard="a", input="s3://b/raw/a.jsonl", output=str(tmp_path / "a.parquet"), status="error",
                         config_hash="x", error="fetching http://admin:hunter2@127.0.0.1:9000/b/raw/a.jsonl failed")
    write_manifest("annotate", config, "x", ["s3://b/raw/a.jsonl"], [report], "now")
    text = (tmp_path / "_manifest.json").read_text()
    for secret in ("AKIAEXAMPLE", "very-secret-value", "hunter2"):
        assert secret not in text
    saved = json.loads(text)
    assert saved["config"]["storage_options"]["secret"] == REDACTED and "admin:***@" in saved["shards"][0]["error"]
