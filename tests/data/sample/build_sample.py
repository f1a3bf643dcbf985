"""Build the shipped sample shards from the public-domain texts in texts/ (see texts/SOURCES.md).

Deterministic: rerunning it rewrites the same documents. Documents are runs of consecutive paragraphs
(hard-wrapped lines joined). Shard 0 is a CommonCrawl-style .warc.gz of HTML pages with navigation and
footer boilerplate; shard 1 is .jsonl.zst. To give dedup and selection something to find, shard 1
also carries mirrored copies of some shard-0 documents (exact, and with small edits) and a few
synthetic low-quality pages (cookie banners, placeholder text, link lists), marked `synthetic` in
their URL.

    python tests/data/sample/build_sample.py
"""

from __future__ import annotations

import html
import random
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[2]))

from tests.shardgen import html_page, write_jsonl, write_warc  # noqa: E402

TARGET_CHARS = 700
SYNTHETIC = [
    "We use cookies to improve your experience. By continuing to browse you agree to our cookie policy.\n"
    "Accept all cookies\nManage settings\nPrivacy policy\nTerms of use",
    "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et "
    "dolore magna aliqua. Ut enim ad minim veniam, quis nostrud exercitation ullamco laboris.",
    "Home\nNews\nSports\nWeather\nContact\nLogin\nRegister\nSitemap\nJavaScript is disabled in your browser.",
    "BUY NOW!!! BEST PRICES!!! FREE SHIPPING!!! CLICK HERE!!! LIMITED OFFER!!! #deal #sale #cheap #shop",
    "function init() { var x = {a: 1, b: {c: 2}}; if (x.a) { return x.b; } } // {} {} {}",
]


def paragraphs(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    paras = [re.sub(r"\s*\n\s*", " ", p).strip() for p in re.split(r"\n\s*\n", text)]
    return [p for p in paras if len(p) > 1]


def documents(path: Path) -> list[str]:
    """Consecutive paragraphs grouped into documents of about TARGET_CHARS characters."""
    docs, current = [], []
    for para in paragraphs(path):
        current.append(para)
        if sum(len(p) for p in current) >= TARGET_CHARS:
            docs.append(current)
            current = []
    if current:
        docs.append(current)
    return ["\n".join(d) for d in docs]


def edit(text: str, rng: random.Random, rate: float) -> str:
    """Drop a fraction `rate` of the words (a near-duplicate mirror)."""
    words = text.split(" ")
    return " ".join(w for w in words if rng.random() >= rate)


def main() -> None:
    rng = random.Random(20241124)
    items = []
    for path in sorted((HERE / "texts").glob("*/*.txt")):
        lang, work = path.parent.name, path.stem
        for i, doc in enumerate(documents(path)):
            items.append((f"https://{lang}.example.org/{work}/{i}", lang, doc))
    warc_items, jsonl_items = items[0::2], items[1::2]

    pages = [(url, html_page(html.escape(url.rsplit("/", 2)[1]), [html.escape(p) for p in doc.split("\n")],
                             lang).encode("utf-8"), "text/html; charset=utf-8")
             for url, lang, doc in warc_items]
    write_warc(str(HERE / "cc-sample-00000.warc.gz"), pages, with_request=True)

    records = [{"id": f"cc-sample-00001/{url.split('//', 1)[1]}", "url": url, "text": doc}
               for url, _, doc in jsonl_items]
    mirrors = rng.sample(warc_items, 20)
    for k, (url, _, doc) in enumerate(mirrors):
        mirror_text = doc if k < 5 else edit(doc, rng, rate=0.02 + 0.01 * (k % 6))
        mirror_url = url.replace("example.org", "mirror.example.net")
        records.append({"id": f"cc-sample-00001/mirror/{k}", "url": mirror_url, "text": mirror_text})
    for k, text in enumerate(SYNTHETIC):
        records.append({"id": f"cc-sample-00001/synthetic/{k}", "url": f"https://synthetic.example.com/{k}",
                        "text": text})
    rng.shuffle(records)
    write_jsonl(str(HERE / "cc-sample-00001.jsonl.zst"), records)
    print(f"{len(pages)} pages in the WARC shard, {len(records)} records in the JSONL shard")


if __name__ == "__main__":
    main()
