"""User text stays plain text in the dashboard, and no secret leaves the server.

The oracle for "plain" is a CommonMark renderer (markdown-it-py, not the code under test):
the escaped text, rendered, holds no image, link, emphasis, code or HTML element, and its
visible text is the user's text itself. The pages are then run under ``AppTest``: an
inventory whose header is a Markdown image shows its error with that header escaped, and
the map page's HTML export, with ``TIANDITU_KEY`` set and the Tianditu basemap chosen,
does not contain the key.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import streamlit as st
from markdown_it import MarkdownIt
from streamlit.testing.v1 import AppTest

from dashboard import state
from dashboard.loaders import UploadedInventory
from dashboard.text import WORD_JOINER, escape_markdown, public_markdown
from lifecircle.i18n import t

PIXEL = "http://127.0.0.1:9/pixel"
HOSTILE = (
    f"![x]({PIXEL})",
    f"[click]({PIXEL})",
    f"<img src={PIXEL}>",
    "**bold** _it_ ~~gone~~ `code`",
    ":red[alarm] :material/warning: $x^2$",
    "# heading",
    "1. list",
    "- item",
    "> quote",
    "a | b\n---|---\n1 | 2",
    "www.example.com and http://127.0.0.1:9/auto, mail ann@example.org",
    "back\\slash & <b>",
    '=HYPERLINK("http://x","click")',
)
SECRET = "secret123"


def rendered(markdown: str) -> str:
    # CommonMark with GFM's tables and strikethrough; GFM's autolinks: gfm_autolinks below.
    out: str = MarkdownIt("commonmark").enable(["table", "strikethrough"]).render(markdown)
    return out


def gfm_autolinks(visible: str) -> list[str]:
    """Where GFM (Streamlit's renderer) would make a link of plain text: ``http://``,
    ``www.`` after the start, a space or punctuation, and ``@`` before a domain."""
    found = []
    for m in re.finditer(r"(?i)https?://|ftp://|www\.", visible):
        before = visible[m.start() - 1] if m.start() else " "
        if before.isspace() or unicodedata.category(before)[0] in "PS":
            found.append(m.group())
    found += [m.group() for m in re.finditer(r"@\w", visible)]
    return found


@pytest.mark.parametrize("text", HOSTILE)
def test_escaped_text_renders_as_itself(text: str) -> None:
    out = rendered(escape_markdown(text))
    assert re.fullmatch(r"<p>.*</p>\n", out, re.DOTALL), out  # one paragraph, nothing else
    inner = out[3:-5]
    assert "<" not in inner.replace("&lt;", ""), out  # no element inside it
    visible = html.unescape(inner)
    assert gfm_autolinks(visible) == []
    # The word joiners that stop autolinks are invisible: the text reads as written.
    assert visible.replace(WORD_JOINER, "") == " ".join(text.split())


@pytest.mark.parametrize("text", [h for h in HOSTILE if not h.startswith(("www.", "=", ":"))])
def test_unescaped_text_would_not(text: str) -> None:
    """The renderer does see these as Markdown, so the test above is not vacuous.

    (Bare-URL autolinks and ``:red[...]`` directives are Streamlit's extensions, which
    plain CommonMark leaves as text; the test above covers them all the same.)
    """
    assert rendered(text) != f"<p>{html.escape(text, quote=False)}</p>\n"


def test_public_markdown_drops_secrets_and_server_paths(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TIANDITU_KEY", SECRET)
    monkeypatch.setenv("LIFECIRCLE_DB_URL", "postgresql://planner:pa55word@db.local/lc")
    message = (
        f"cannot read /srv/lifecircle/cache/uploads/ab12.csv with key {SECRET} "
        "from postgresql://planner:pa55word@db.local/lc"
    )
    shown = html.unescape(rendered(public_markdown(message)))
    assert SECRET not in shown and "pa55word" not in shown and "/srv/" not in shown
    assert "ab12.csv" in shown and "db.local" in shown


# --- the pages --------------------------------------------------------------------------------
def test_an_inventory_error_quoting_markdown_shows_it_literally(
    app_test: Callable[..., AppTest], tmp_path: Path
) -> None:
    inventory = tmp_path / "facilities.csv"
    inventory.write_text(f"name,![x]({PIXEL}),**b**\nA,1,2\n", encoding="utf-8")
    at = app_test(lang="en")
    at.session_state[state.INVENTORY] = UploadedInventory(
        path=str(inventory), coord_system="wgs84", name=inventory.name
    )
    at.run()
    (error,) = [e.value for e in at.error]
    assert error.startswith(f"{t('error', 'en')}: ")
    assert "![x](" not in error and "**b**" not in error
    shown = html.unescape(rendered(error))
    assert "<img" not in shown and "<a " not in shown and "<strong>" not in shown
    # The header, readable as the user wrote it.
    assert f"![x]({PIXEL}), **b**" in shown.replace(WORD_JOINER, "")
    assert str(tmp_path) not in shown  # no server folder


def test_the_map_export_holds_no_tianditu_key(
    app_test: Callable[..., AppTest], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TIANDITU_KEY", SECRET)
    exports: dict[str, Any] = {}
    original = st.download_button

    def recording(label: str, data: Any = None, *args: Any, **kwargs: Any) -> Any:
        exports[label] = data  # the page's own callable, called below as a click would
        return original(label, data, *args, **kwargs)

    monkeypatch.setattr(st, "download_button", recording)
    at = app_test(lang="en")
    at.selectbox(key=state.BASEMAP).set_value("tianditu").run()
    assert not at.exception, [e.value for e in at.exception]
    export = exports[t("export_html", "en")]
    page = (export() if callable(export) else export).decode("utf-8")
    assert SECRET not in page
    # The export is offline whatever the page shows (lifecircle.maps.export): no tile URL.
    assert "tianditu" not in page and "tk=" not in page
