"""User text made safe for Markdown (Streamlit's and the minutes') and for HTML."""

from __future__ import annotations

import html
import re

__all__ = ["html_text", "markdown_text"]

# Every character Markdown (CommonMark + GitHub tables + Streamlit's :colour[] and $math$)
# may treat as syntax gets a backslash; < > & become entities so no HTML survives.
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~:$=])")


def markdown_text(value: object, *, max_len: int = 2000) -> str:
    """``value`` as literal Markdown text: no links, code, emphasis, HTML or tables."""
    text = "" if value is None else str(value)
    if len(text) > max_len:
        text = text[: max_len - 1] + "…"
    text = " ".join(text.split())  # one line: a newline could start a heading or a list
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MD_SPECIAL.sub(r"\\\1", text)


def html_text(value: object, *, max_len: int = 5000) -> str:
    """HTML-escaped text (for the PDF documents)."""
    text = "" if value is None else str(value)
    if len(text) > max_len:
        text = text[: max_len - 1] + "…"
    return html.escape(text, quote=True)
