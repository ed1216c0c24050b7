"""Serve every JavaScript and CSS file a folium map needs without a CDN.

folium (and through it streamlit-folium) loads Leaflet, jQuery, Bootstrap,
Font-Awesome, Leaflet.awesome-markers, Leaflet.Draw and the plugin libraries
from public CDNs, so offline, or where those CDNs are blocked, the map stays
blank. This module maps each of those CDN addresses to a file shipped by an
installed package:

- Leaflet (with its marker and layer-control images) and jQuery come from the
  XStatic-Leaflet and XStatic-jQuery packages;
- everything else (Bootstrap, Font-Awesome with its solid icon font embedded,
  glyphicons, awesome-markers, Leaflet.Draw, Fullscreen, MousePosition,
  MarkerCluster, HeatMap and every other folium plugin) comes from the
  folium-offline package, which embeds all of folium's web resources.

Two ways to deliver them:

``"served"``
    :func:`prepare_served_assets` copies the files into a git-ignored
    ``static/vendor/`` folder next to the app's main script, Streamlit serves
    it at ``/app/static/vendor/`` (``server.enableStaticServing = true``), and
    :func:`make_offline` points the map's links there. The browser fetches and
    caches each file once.
``"inline"``
    :func:`make_offline` turns every link into a ``data:`` URI (fonts and
    images inside the stylesheets too). No server set-up, but about 2 MB
    travels with every rerun.

:func:`standalone_html` writes a whole HTML document with every script and
stylesheet inlined, for a download that opens with no network.

Nothing here imports streamlit, and nothing is written at import time.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Final, Literal, TypeVar

import folium.plugins
from branca.colormap import ColorMap
from branca.element import Element
from folium.elements import JSCSSMixin

from lifecircle.maps.assets import (
    ASSET_TAG,
    ICON_DATA_JS,
    ICON_PATH_JS,
    ICON_SCRIPT_NAME,
    LEAFLET_JS,
    SENTINEL,
    STAMP_NAME,
    OfflineAssetError,
    asset_catalogue,
    asset_url,
    assets_fingerprint,
    data_uri,
    inline_tags,
    is_remote,
    read_text,
    rel_path_for,
    served_bytes,
    write_atomic,
)

__all__ = [
    "SERVED_BASE_URL",
    "VENDOR_DIRNAME",
    "AssetMode",
    "OfflineAssetError",
    "drop_colormaps",
    "find_remote_assets",
    "make_offline",
    "prepare_served_assets",
    "standalone_html",
]

AssetMode = Literal["served", "inline"]

#: Folder, inside the app's ``static/`` folder, that :func:`prepare_served_assets` fills.
VENDOR_DIRNAME: Final = "vendor"
#: Where Streamlit serves that folder (``server.enableStaticServing = true``). Prefix it
#: with ``server.baseUrlPath`` when the app runs under one.
SERVED_BASE_URL: Final = f"/app/static/{VENDOR_DIRNAME}"

_prepare_lock = threading.Lock()
E = TypeVar("E", bound=Element)
_Links = list[tuple[str, str]]
_ORIGINALS_ATTR: Final = "_lifecircle_original_links"


# --------------------------------------------------------------------------- public API


def make_offline(element: E, *, mode: AssetMode, base_url: str = SERVED_BASE_URL) -> E:
    """Point every script and stylesheet of a map at locally provided copies.

    Rewrites ``default_js``/``default_css`` of ``element`` and of every element below
    it (plugins, marker clusters, ...), as instance attributes: folium's class-level
    lists, shared by every session of a Streamlit server, are left alone. Call it once
    the map is complete, just before ``st_folium`` or ``render``; also call it on each
    feature group passed to ``st_folium(feature_group_to_add=...)``. Calling it again
    (with another mode) is allowed.

    Parameters
    ----------
    element
        A ``folium.Map``, or any element below which to rewrite links.
    mode
        ``"served"``: links to ``{base_url}/<file>``, the files that
        :func:`prepare_served_assets` writes. ``"inline"``: ``data:`` URIs.
    base_url
        URL of the vendor folder in ``"served"`` mode.

    Returns
    -------
    The same element, for chaining.

    Raises
    ------
    OfflineAssetError
        If an element links a remote file that no installed package provides, or if
        the map holds a branca colormap (see :func:`drop_colormaps`).
    """
    if mode == "served":
        root = base_url.rstrip("/")

        def to_url(rel_path: str) -> str:
            return f"{root}/{rel_path}"

        icon_script = ICON_PATH_JS
    elif mode == "inline":
        to_url = data_uri
        icon_script = ICON_DATA_JS
    else:
        raise ValueError(f"mode must be 'served' or 'inline', not {mode!r}")
    if any(isinstance(node, ColorMap) for node in _iter_elements(element)):
        raise OfflineAssetError(
            "the map holds a branca colormap (a legend; folium.Choropleth adds one), which "
            "loads d3 from a CDN at an address that streamlit-folium hard-codes, so the map "
            "would stay blank offline; call drop_colormaps() first and show the legends it "
            "returns next to the map (standalone_html keeps them: it inlines d3)"
        )
    for node in _iter_link_elements(element):
        js, css = _original_links(node)
        node.default_js = _rewrite_links(js, to_url, icon_script=icon_script)
        node.default_css = _rewrite_links(css, to_url, icon_script=None)
    return element


def prepare_served_assets(static_dir: Path) -> Path:
    """Write every vendor file into ``static_dir/vendor`` for the ``"served"`` mode.

    Idempotent and cheap once done: a stamp file records the versions of the source
    packages, and nothing is written while they match. Creates the folders if
    missing and a ``.gitignore`` that keeps the generated folder out of git. Safe to
    call from several sessions at once. Call it before the first map render, e.g. at
    the top of the app's main script; ``static_dir`` must be the ``static`` folder
    next to the script passed to ``streamlit run``, the folder Streamlit serves.

    Parameters
    ----------
    static_dir
        The app's static folder; only its ``vendor`` subfolder is written.

    Returns
    -------
    The vendor folder.
    """
    vendor_dir = Path(static_dir) / VENDOR_DIRNAME
    stamp = vendor_dir / STAMP_NAME
    fingerprint = assets_fingerprint()
    if read_text(stamp) == fingerprint:
        return vendor_dir
    with _prepare_lock:
        if read_text(stamp) == fingerprint:
            return vendor_dir
        vendor_dir.mkdir(parents=True, exist_ok=True)
        write_atomic(vendor_dir / ".gitignore", b"# generated by lifecircle/maps/offline.py\n*\n")
        catalogue = asset_catalogue()
        for rel_path in catalogue.files:
            write_atomic(vendor_dir / rel_path, served_bytes(rel_path))
        write_atomic(stamp, fingerprint.encode())
    return vendor_dir


def standalone_html(element: Element) -> str:
    """Render a map as one HTML document with every script and stylesheet inlined.

    The document opens from disk with no network (map tiles aside: they come from
    the map's tile URL). Fonts and images referenced by the stylesheets are inlined
    as ``data:`` URIs. A copy of the figure is rendered: the map is left as it was,
    whatever mode it was made offline in.

    Parameters
    ----------
    element
        A ``folium.Map`` (or any element of the figure to render).

    Returns
    -------
    The HTML document.

    Raises
    ------
    OfflineAssetError
        If the map links a remote file that no installed package provides.
    """
    # Render a copy: folium's render() is not idempotent (each call appends the map's
    # addTo() calls again), and the links are rewritten for this document only.
    root = copy.deepcopy(element.get_root())
    for node in _iter_link_elements(root):
        js, css = _original_links(node)
        node.default_js = _rewrite_links(js, _sentinel_url, icon_script=ICON_DATA_JS)
        node.default_css = _rewrite_links(css, _sentinel_url, icon_script=None)
    return inline_tags(root.render())


def drop_colormaps(element: Element) -> list[ColorMap]:
    """Detach every branca colormap (legend) from a map, for :func:`make_offline`.

    A colormap loads d3 from a CDN, and streamlit-folium adds that address to the
    scripts it loads whatever the map's links say: offline, the map stays blank.
    ``folium.Choropleth`` adds such a legend whenever it is given data.

    Parameters
    ----------
    element
        A ``folium.Map`` or any element below which to drop colormaps.

    Returns
    -------
    The dropped colormaps. ``cm._repr_html_()`` is a plain SVG legend, e.g. for
    ``st.html`` beside the map.
    """
    dropped: list[ColorMap] = []
    for node in list(_iter_elements(element)):
        children = getattr(node, "_children", {})
        for key, child in list(children.items()):
            if isinstance(child, ColorMap):
                del children[key]
                dropped.append(child)
        if isinstance(node, folium.Choropleth):
            node.color_scale = None  # its render() would re-parent the legend
    return dropped


def find_remote_assets(html: str) -> list[str]:
    """List the remote script and stylesheet URLs of an HTML document.

    Tile URLs and hyperlinks are not assets and are not listed.

    Parameters
    ----------
    html
        A rendered document, e.g. ``m.get_root().render()``.

    Returns
    -------
    The ``src`` of each ``<script>`` and the ``href`` of each stylesheet ``<link>``
    that starts with ``http:``, ``https:`` or ``//``, in document order.
    """
    assets = (asset_url(match) for match in ASSET_TAG.finditer(html))
    return [asset[1] for asset in assets if asset is not None and is_remote(asset[1])]


# ------------------------------------------------------------------------ link rewriting


def _iter_elements(element: Element) -> Iterator[Element]:
    """Yield ``element`` and every element below it."""
    stack: list[Element] = [element]
    seen: set[int] = set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        yield node
        if isinstance(node, folium.plugins.DualMap):
            stack.extend([node.m1, node.m2])
        stack.extend(getattr(node, "_children", {}).values())


def _iter_link_elements(element: Element) -> Iterator[JSCSSMixin]:
    """Yield ``element`` and its descendants that declare JS/CSS links."""
    for node in _iter_elements(element):
        if isinstance(node, JSCSSMixin):
            yield node


def _original_links(node: JSCSSMixin) -> tuple[_Links, _Links]:
    """The links the element had before this module first rewrote them."""
    originals: tuple[_Links, _Links] | None = node.__dict__.get(_ORIGINALS_ATTR)
    if originals is None:
        originals = (list(node.default_js), list(node.default_css))
        setattr(node, _ORIGINALS_ATTR, originals)
    return originals


def _rewrite_links(
    links: _Links, to_url: Callable[[str], str], *, icon_script: str | None
) -> _Links:
    rewritten: _Links = []
    for name, url in links:
        rel_path = rel_path_for(url)
        if rel_path is None:
            rewritten.append((name, url))
            continue
        rewritten.append((name, to_url(rel_path)))
        if rel_path == LEAFLET_JS and icon_script is not None:
            rewritten.append((ICON_SCRIPT_NAME, to_url(icon_script)))
    return rewritten


def _sentinel_url(rel_path: str) -> str:
    return SENTINEL + rel_path
