"""Every user-facing string, in Chinese and English, and the language a user sees.

The strings live in one table per part of the product (``core`` for the map, the shared
pages and the sidebar; one module per later feature); :data:`STRINGS` is their union, and
a key may be defined only once.
"""

from __future__ import annotations

from collections.abc import Mapping

from lifecircle.i18n.areas import AREAS
from lifecircle.i18n.checkup import CHECKUP
from lifecircle.i18n.core import CORE
from lifecircle.i18n.dashscale import DASHSCALE
from lifecircle.i18n.deliberation import DELIBERATION
from lifecircle.i18n.hostile import HOSTILE
from lifecircle.i18n.maplang import MAPLANG
from lifecircle.i18n.population import POPULATION
from lifecircle.i18n.siting import SITING
from lifecircle.i18n.storage import STORAGE
from lifecircle.i18n.workshop import WORKSHOP

LANGS = ("zh", "en")
DEFAULT_LANG = "zh"


def _merge(*tables: Mapping[str, Mapping[str, str]]) -> dict[str, Mapping[str, str]]:
    merged: dict[str, Mapping[str, str]] = {}
    for table in tables:
        twice = merged.keys() & table.keys()
        if twice:
            raise KeyError(f"strings defined twice: {', '.join(sorted(twice))}")
        merged.update(table)
    return merged


STRINGS: Mapping[str, Mapping[str, str]] = _merge(
    CORE,
    DASHSCALE,
    SITING,
    DELIBERATION,
    CHECKUP,
    POPULATION,
    WORKSHOP,
    STORAGE,
    MAPLANG,
    HOSTILE,
    AREAS,
)


def t(key: str, lang: str, **kwargs: object) -> str:
    """The string ``key`` in ``lang`` (Chinese when the language is unknown)."""
    entry = STRINGS[key]
    text = entry.get(lang) or entry[DEFAULT_LANG]
    return text.format(**kwargs) if kwargs else text


def pick_lang(query_value: str | None, locale: str | None) -> str:
    """``?lang=`` wins; else the browser's locale; else Chinese."""
    if query_value in LANGS:
        return str(query_value)
    if locale:
        return "zh" if locale.lower().startswith("zh") else "en"
    return DEFAULT_LANG
