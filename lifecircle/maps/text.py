"""Text from data made safe for folium.

Every piece of text that comes from data (OSM names, uploaded files, survey comments)
goes through :func:`safe_text` before it reaches folium: folium's popups and tooltips
insert text as HTML inside JavaScript template literals, so ``<``, ``${...}`` and
backticks must all be neutralised.
"""

from __future__ import annotations

import html

_JS_META = str.maketrans({"`": "&#96;", "$": "&#36;", "{": "&#123;", "}": "&#125;", "\\": "&#92;"})


def safe_text(value: object, *, max_len: int = 500) -> str:
    """HTML-escape ``value`` and neutralise template-literal syntax (``${}``, backticks)."""
    text = "" if value is None else str(value)
    if len(text) > max_len:
        text = text[: max_len - 1] + "…"
    return html.escape(text, quote=True).translate(_JS_META)
