"""QR codes made locally with segno (no online service): SVG for documents, PNG for pages."""

from __future__ import annotations

import io

import segno

__all__ = ["qr_png", "qr_svg"]


def qr_svg(data: str, *, scale: int = 4) -> str:
    """An inline ``<svg>`` element (error correction M, quiet zone of 2 modules)."""
    code = segno.make(data, error="m", micro=False)
    out = io.BytesIO()
    code.save(out, kind="svg", scale=scale, border=2, xmldecl=False, svgns=True, nl=False)
    return out.getvalue().decode("utf-8")


def qr_png(data: str, *, scale: int = 8) -> bytes:
    code = segno.make(data, error="m", micro=False)
    out = io.BytesIO()
    code.save(out, kind="png", scale=scale, border=2)
    return out.getvalue()
