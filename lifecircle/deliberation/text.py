"""User text made safe for Markdown (Streamlit's and the minutes') and for HTML."""

from __future__ import annotations

import html
import re

from geo.deliberation.model import REFUSALS, DeliberationError
from geo.errors import LifecircleError
from lifecircle.i18n import t

__all__ = ["html_text", "markdown_text", "refusal_text"]

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


def refusal_text(error: LifecircleError, lang: str, *, resident: bool = True) -> str:
    """Why ``error`` refused a request, in ``lang`` (plain text: escape it to show it).

    A :class:`~geo.deliberation.model.DeliberationError` with a known ``reason`` reads its
    translation. Any other error shows its own (English) message on an English page, and
    on a Chinese one a general sentence for a resident (``resident=True``) or the message
    itself for the facilitator, who needs the detail.
    """
    if isinstance(error, DeliberationError) and error.reason in REFUSALS:
        key = f"refusal_{error.reason}"
        details = {**dict.fromkeys(("code", "number"), "?"), **error.details}
        return t(key, lang, **details)
    return str(error) if lang == "en" or not resident else t("refusal_other", lang)
