"""One self-contained HTML page: escaped text, images as base64 data URIs, no external resources."""

from __future__ import annotations

import base64
import html
from collections.abc import Sequence

from pipeline.report.sections import Section

_STYLE = """body{font-family:sans-serif;max-width:1100px;margin:2em auto;color:#222}
table{border-collapse:collapse;margin:.6em 0;font-size:13px}td,th{border:1px solid #ccc;padding:2px 8px}
th{background:#eef}td.n{text-align:right}img{max-width:100%;display:block;margin:.5em 0}
.note{color:#777;font-style:italic}"""


def _cell(value: object) -> str:
    if isinstance(value, float):
        text, numeric = f"{value:.6g}", True
    else:
        text, numeric = str(value), isinstance(value, int)
    return f"<td class=\"n\">{html.escape(text)}</td>" if numeric else f"<td>{html.escape(text)}</td>"


def _item(item: tuple) -> str:
    kind = item[0]
    if kind == "p":
        return f"<p>{html.escape(item[1])}</p>"
    if kind == "table":
        head = "".join(f"<th>{html.escape(str(h))}</th>" for h in item[1])
        rows = "".join("<tr>" + "".join(_cell(v) for v in row) + "</tr>" for row in item[2])
        return f"<table><tr>{head}</tr>{rows}</table>"
    if kind == "img":
        data = base64.b64encode(item[1]).decode("ascii")
        return f"<img alt=\"{html.escape(item[2])}\" src=\"data:image/png;base64,{data}\">"
    raise ValueError(f"unknown report item {kind!r}")


def render(title: str, sections: Sequence[Section]) -> str:
    """The page: shown sections in order, then a note naming the omitted ones and why."""
    body = []
    for s in sections:
        if s.missing is None:
            body.append(f"<h2>{html.escape(s.title)}</h2>" + "".join(_item(i) for i in s.items))
    omitted = [f"<li>{html.escape(s.title)}: {html.escape(s.missing)}</li>" for s in sections if s.missing]
    if omitted:
        body.append("<h2>Not shown</h2><ul class=\"note\">" + "".join(omitted) + "</ul>")
    return (f"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{html.escape(title)}</title>"
            f"<link rel=\"icon\" href=\"data:,\"><style>{_STYLE}</style></head><body><h1>{html.escape(title)}</h1>"
            + "\n".join(body) + "</body></html>\n")
