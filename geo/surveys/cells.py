"""Survey cells as text and numbers, whatever the file format made of them."""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Sequence

__all__ = ["cell_text", "parse_number", "raw_text"]


def raw_text(value: object) -> str:
    """A cell as text, unaltered apart from missing values (``""``) and whole floats."""
    if value is None:
        return ""
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    return str(value)


def cell_text(value: object) -> str:
    """A cell as text without surrounding white space (see :func:`raw_text`)."""
    return raw_text(value).strip()


def parse_number(text: str, *, suffixes: Sequence[str] = ()) -> float | None:
    """A finite number from text, tolerating full-width digits and a unit suffix."""
    folded = unicodedata.normalize("NFKC", text).strip()
    for suffix in suffixes:
        folded = folded.removesuffix(suffix).strip()
    try:
        number = float(folded)
    except ValueError:
        return None
    return number if math.isfinite(number) else None
