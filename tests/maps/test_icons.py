"""Every facility marker shows its icon: the taxonomy's icon names against the Font
Awesome stylesheet the maps load (the copy shipped by folium-offline, not the app's
served folder)."""

from __future__ import annotations

import folium

from geo.standards.taxonomy import DEFAULT_ICON, load_taxonomy
from lifecircle.maps.assets import rel_path_for, served_bytes

BRANDS_FONT = '@font-face{font-family:"Font Awesome 6 Brands"'


def _font_awesome_css() -> str:
    url = next(url for _, url in folium.Map.default_css if "fontawesome" in url)
    rel_path = rel_path_for(url)
    assert rel_path is not None
    return served_bytes(rel_path).decode("utf-8")


def test_every_icon_is_a_solid_glyph_of_the_stylesheet_the_map_loads() -> None:
    css = _font_awesome_css()
    # The brand icons' rules follow their font, which is not shipped offline: a brand
    # icon (dribbble) or a Font Awesome 4 name (hospital-o) drew an empty white pin.
    brands = css.index(BRANDS_FONT)
    icons = {c.id: c.icon for c in load_taxonomy().categories} | {"(default)": DEFAULT_ICON}
    missing = {cid: icon for cid, icon in icons.items() if css.find(f".fa-{icon}:before") < 0}
    assert missing == {}
    brand = {cid: icon for cid, icon in icons.items() if css.find(f".fa-{icon}:before") > brands}
    assert brand == {}
    assert css.find(".fa-dribbble:before") > brands  # the check can fail: a brand is after
