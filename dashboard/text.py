"""User text shown through Streamlit stays plain text.

``st.markdown``, ``st.write``, ``st.error`` and friends, ``st.caption``, ``st.title`` and
the labels of metrics, expanders, tabs and widgets all render Markdown: a scenario named
``![x](http://host/pixel)`` would make every viewer's browser fetch that URL, and ``**a**``
or ``:red[...]`` would format. Every piece of user text (scenario, topic and alternative
names, survey comments, file names, district titles from file names, and error messages
that quote user input) goes through :func:`escape_markdown` before it reaches one of them.
Errors (and provenance lines) go through :func:`public_markdown`, which also drops
secrets and server folders (:func:`geo.redaction.public_message`).

Options of ``st.selectbox`` and ``st.multiselect`` are shown as plain text by Streamlit,
so they need (and get) no escaping; ``st.radio`` options render Markdown and do.
"""

from __future__ import annotations

import os
import re

from geo.redaction import public_message, redact_values, secret_values
from lifecircle.deliberation.text import markdown_text

__all__ = ["WORD_JOINER", "escape_markdown", "public_markdown", "without_secrets"]

WORD_JOINER = "\u2060"
# Where GFM's autolink literals start (mdast-util-gfm-autolink-literal): a scheme or www.
_UNLINKABLE = re.compile(r"(?i)(?=\b(?:https?://|ftp://|mailto:|www\.))")


def escape_markdown(value: object, *, max_len: int = 2000) -> str:
    """``value`` as literal Markdown: no image, link, emphasis, code, HTML, colour or heading.

    One line (a newline could start a list or a heading), at most ``max_len`` characters,
    escaped by the deliberation pages' rule (:func:`lifecircle.deliberation.text.markdown_text`).
    Streamlit's GFM also turns bare ``http://``, ``www.`` and e-mail text into links after
    escapes are read, so an invisible word joiner (U+2060) goes before each such start and
    after each ``@``: the text reads the same and links nowhere.
    """
    text = "" if value is None else str(value)
    return markdown_text(
        _UNLINKABLE.sub(WORD_JOINER, text).replace("@", "@" + WORD_JOINER), max_len=max_len
    )


def public_markdown(value: BaseException | str) -> str:
    """An error message (or a provenance line) for ``st.error`` and friends: escaped, with
    no secret and no server path."""
    return escape_markdown(public_message(value, environ=os.environ))


def without_secrets(document: str) -> str:
    """A document that leaves the server (an exported map) with no key of this server in it.

    A Tianditu tile URL in the export then reads ``tk=***``: whoever opens the file uses
    their own key (or another basemap); the server's key never travels with the file.
    """
    return redact_values(document, secrets=secret_values(os.environ))
