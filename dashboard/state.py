"""Every ``st.session_state`` key the dashboard uses, in one place."""

from __future__ import annotations

LANG = "lang"
SOURCE = "source"  # a DataSource (see dashboard.loaders)
INVENTORY = "inventory"  # an UploadedInventory or None
CATEGORY = "category"
TIER = "tier"
SPEED = "speed_kmh"
STANDARD = "standard"
BASEMAP = "basemap"
COLOUR_BY = "colour_by"
MAP_KEY = "main_map"
GAP_MAP_KEY = "gap_map"
EXPORTS = "exports"
