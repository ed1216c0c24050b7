"""How ``lifecircle dashboard SOURCE`` tells the Streamlit server which district to open.

The command (:mod:`lifecircle.cli.dashboard`) sets :data:`SOURCE_ENV` for the server it
starts; a new session reads it (:func:`dashboard.loaders.default_source`). The two sides
are siblings that may not import each other, so the name lives here, once.
"""

from __future__ import annotations

__all__ = ["SOURCE_ENV"]

SOURCE_ENV = "LIFECIRCLE_DASHBOARD_SOURCE"
"""A bundled district's name or an absolute path to an OSM extract; unset: Lujiazui."""
