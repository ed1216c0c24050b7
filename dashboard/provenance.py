"""Where the district's data came from, said in the page's language.

The district's own provenance note (from ``data/districts.yaml`` or written when a file
or an Overpass download was read) is technical English: the page leads with a sentence
built from its fields, and keeps the note itself as a detail.
"""

from __future__ import annotations

from pathlib import Path

from geo.district.model import DistrictMeta
from lifecircle.i18n import t


def provenance_sentence(meta: DistrictMeta, lang: str) -> str:
    """One sentence: which kind of source, which file, its checksum (first 12 digits)."""
    kind = meta.source_kind if meta.source_kind in {"bundled", "file", "overpass"} else "file"
    name = Path(meta.source).name if kind != "overpass" else meta.source
    return t(f"ml_prov_{kind}", lang, file=name, sha=(meta.sha256 or "—")[:12])
