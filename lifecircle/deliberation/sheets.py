"""Printed ballot sheets: one card per one-time token, with a QR code and the typed codes.

A card's QR code opens the resident page with the room and the token filled in
(``<base_url>/vote?room=ROOM&t=TOKEN``); the same codes are printed for typing. The QR
codes are made here (segno), nothing is fetched.
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlencode

from geo.deliberation.codes import format_token
from geo.deliberation.model import Topic
from lifecircle.deliberation.pdf import render_pdf
from lifecircle.deliberation.qr import qr_svg
from lifecircle.deliberation.text import html_text
from lifecircle.i18n import t

__all__ = ["room_url", "vote_sheet_pdf", "vote_url"]

SHEET_CSS = """
.cards { display: flex; flex-wrap: wrap; }
.card { width: 58mm; height: 62mm; border: 1px dashed #888; padding: 3mm; margin: 0 2mm 2mm 0;
        box-sizing: border-box; text-align: center; page-break-inside: avoid; }
.card svg { width: 32mm; height: 32mm; }
.code { font-size: 13pt; font-weight: bold; letter-spacing: 1pt; }
.room { font-size: 8.5pt; }
"""


def room_url(base_url: str, room_code: str) -> str:
    return f"{base_url.rstrip('/')}/vote?{urlencode({'room': room_code})}"


def vote_url(base_url: str, room_code: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/vote?{urlencode({'room': room_code, 't': token})}"


def vote_sheet_pdf(
    topic: Topic, codes: Sequence[str], *, base_url: str, valid_until: str = "", lang: str = "zh"
) -> bytes:
    """A PDF of ballot cards (12 per A4 page)."""
    help_text = t("sheet_help", lang, url=room_url(base_url, ""), room=topic.room_code)
    room_label = html_text(t("dl_room_code", lang))
    head = (
        f"<h1>{html_text(t('sheet_title', lang, title=topic.title))}</h1>"
        f"<p class='note'>{html_text(help_text)}"
        + (f" {html_text(t('sheet_valid', lang, when=valid_until))}" if valid_until else "")
        + "</p>"
    )
    cards = "".join(
        "<div class='card'>"
        f"{qr_svg(vote_url(base_url, topic.room_code, code), scale=3)}"
        f"<div class='code'>{html_text(format_token(code))}</div>"
        f"<div class='room'>{room_label}: {html_text(topic.room_code)}</div>"
        "</div>"
        for code in codes
    )
    return render_pdf(
        head + f"<div class='cards'>{cards}</div>",
        title=html_text(t("sheet_title", lang, title=topic.title)),
        extra_css=SHEET_CSS,
    )
