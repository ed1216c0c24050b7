"""HTML to PDF with WeasyPrint, Chinese text in Noto Sans CJK (embedded, subset).

WeasyPrint lays the page out with Pango and finds fonts through fontconfig; Debian's
``fonts-noto-cjk`` installs Noto Sans CJK under ``/usr/share/fonts/opentype/noto/``. The
PDF embeds the subset of glyphs it uses, so it reads the same on any machine.
"""

from __future__ import annotations

from pathlib import Path

from geo.errors import LifecircleError

__all__ = ["CJK_FONT_FAMILY", "DocumentError", "render_pdf"]

CJK_FONT_FAMILY = "Noto Sans CJK SC"
_FONT_DIRS = (Path("/usr/share/fonts"), Path("/usr/local/share/fonts"), Path.home() / ".fonts")

BASE_CSS = f"""
@page {{ size: A4; margin: 18mm 16mm; }}
body {{ font-family: "{CJK_FONT_FAMILY}", sans-serif; font-size: 10.5pt; line-height: 1.5; }}
h1 {{ font-size: 17pt; margin: 0 0 6pt; }}
h2 {{ font-size: 13pt; margin: 14pt 0 4pt; border-bottom: 1px solid #999; }}
table {{ border-collapse: collapse; width: 100%; margin: 4pt 0 8pt; }}
th, td {{ border: 1px solid #bbb; padding: 2pt 4pt; text-align: left; vertical-align: top; }}
th {{ background: #eee; }}
.note {{ color: #555; font-size: 8.5pt; }}
"""


class DocumentError(LifecircleError, RuntimeError):
    """A document cannot be made (for example the CJK font is not installed)."""


def cjk_font_installed() -> bool:
    return any(any(folder.rglob("NotoSansCJK*")) for folder in _FONT_DIRS if folder.is_dir())


def render_pdf(body_html: str, *, title: str, extra_css: str = "") -> bytes:
    """A PDF of ``body_html`` (already escaped), in Noto Sans CJK."""
    if not cjk_font_installed():
        raise DocumentError(
            "the Chinese font Noto Sans CJK is not installed: apt-get install fonts-noto-cjk"
        )
    try:
        import weasyprint
    except (ImportError, OSError) as exc:  # OSError: Pango's libraries are missing
        raise DocumentError(f"WeasyPrint cannot run here: {exc}") from exc
    document = (
        f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>{title}</title>'
        f"<style>{BASE_CSS}{extra_css}</style></head><body>{body_html}</body></html>"
    )
    # No base URL and no url fetcher access: the document can load nothing from outside.
    pdf = weasyprint.HTML(string=document, url_fetcher=_no_fetch).write_pdf()
    return bytes(pdf or b"")


def _no_fetch(url: str, *args: object, **kwargs: object) -> dict[str, object]:
    raise DocumentError(f"documents load nothing from outside ({url[:60]})")
