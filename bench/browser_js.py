"""What the browser benchmark asks the page, in JavaScript.

:data:`JS_LIB` holds the predicates every wait uses (is the app idle, is the map drawn,
what does a metric show); :func:`marks_js` turns groups of them into one
``page.wait_for_function`` predicate that records when each group first held, in ms from
the navigation or from a click armed with :data:`ARM_CLICK_JS`; :data:`WS_PROBE_JS`
notes when each WebSocket message arrives and how large it is.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Mapping, Sequence

MAP_MESSAGE_BYTES = 100_000  # a WebSocket message this large carries a map's HTML
MAP_COMPONENT_NAME = "streamlit_folium.st_folium"
"""A WebSocket message naming the map component carries the map (now often a small
loader whose script the browser fetches as a file: dashboard.map_frame.publish_script)."""

# Does the Leaflet map in a window (the st_folium iframe's) have a layer whose tooltip
# reads ``text``? ``(win, text) => bool``; the browser tests use it too.
MAP_SHOWS_TOOLTIP_JS = r"""(win, text) => {
    if (!win || !win.map) return false;
    const parser = new win.DOMParser();  // inert: runs no script, loads no image
    let found = false;
    win.map.eachLayer((layer) => {
        const tip = layer.getTooltip && layer.getTooltip();
        const content = tip && tip.getContent();
        if (typeof content !== "string") return;
        const shown = parser.parseFromString(content, "text/html").body.textContent;
        if (shown.replace(/\s+/g, " ").includes(text)) found = true;
    });
    return found;
}"""

# Helpers shared by every predicate; they run in the top-level document.
JS_LIB = (
    f"\nconst mapShowsTooltip = {MAP_SHOWS_TOOLTIP_JS};"
    + r"""
const live = (el) => !el.closest('[data-stale="true"]');
const idle = () => {
    const app = document.querySelector('[data-testid="stApp"]');
    if (!app) return false;
    if (app.getAttribute("data-test-connection-state") !== "CONNECTED") return false;
    if (app.getAttribute("data-test-script-state") !== "notRunning") return false;
    if (document.querySelector('[data-stale="true"]')) return false;
    if (document.querySelector('[data-testid="stSkeleton"], [data-testid="stSkeletonElement"]'))
        return false;
    // While a script runs, the status widget offers "Stop" (or says it is connecting).
    const status = document.querySelector('[data-testid="stStatusWidget"]');
    if (status && (status.textContent || "").trim()) return false;
    return true;
};
const mapWindow = () => {
    const frames = [...document.querySelectorAll('iframe[title="streamlit_folium.st_folium"]')]
        .filter(live);
    if (frames.length !== 1 || !frames[0].offsetHeight) return null;
    try {
        const win = frames[0].contentWindow;
        return win && win.document ? win : null;
    } catch (e) {
        return null;
    }
};
const painted = (canvas) => {
    if (!canvas.width || !canvas.height) return false;
    const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
    for (let i = 3; i < data.length; i += 64) if (data[i] > 0) return true;
    return false;
};
const mapReady = () => {
    const win = mapWindow();
    if (!win) return false;
    const doc = win.document;
    const box = doc.querySelector(".leaflet-container");
    if (!box || !box.clientWidth || !box.clientHeight) return false;
    if (!doc.querySelector(".leaflet-control-layers")) return false;
    if (doc.querySelector(".leaflet-overlay-pane path, .leaflet-marker-pane .leaflet-marker-icon"))
        return true;
    return [...doc.querySelectorAll(".leaflet-overlay-pane canvas")].some(painted);
};
const mapHasTooltip = (text) => mapShowsTooltip(mapWindow(), text);
const metricValue = (label) => {
    const values = [...document.querySelectorAll('[data-testid="stMetric"]')]
        .filter((m) => live(m) && (m.innerText || "").includes(label))
        .map((m) => m.querySelector('[data-testid="stMetricValue"]'))
        .filter(Boolean)
        .map((v) => v.innerText.trim());
    return values.length === 1 ? values[0] : null;
};
const heading = (text) => [...document.querySelectorAll('[data-testid="stHeading"]')]
    .some((h) => live(h) && (h.innerText || "").includes(text));
const count = (selector) => [...document.querySelectorAll(selector)].filter(live).length;
"""
)

# Arms a one-shot, capturing click listener in ``document`` (the top page or the map's
# iframe) that stores the top page's clock at the click in ``top.__benchT0``.
ARM_CLICK_JS = """() => {
    const top = window.top;
    top.__benchT0 = null;
    document.addEventListener("click", () => { top.__benchT0 = top.performance.now(); },
                              {capture: true, once: true});
}"""


_WAIT_TOKENS = itertools.count()


def marks_js(groups: Mapping[str, Sequence[str]], *, since_click: bool) -> str:
    """A predicate that records when each group of conditions first holds together.

    ``groups`` maps a mark's name to JavaScript expressions (using :data:`JS_LIB`); the
    predicate returns the marks, in ms from the click (or from the navigation), once
    every group has held. Each predicate keeps its marks under a token of its own.
    """
    token = json.dumps(f"w{next(_WAIT_TOKENS)}")
    t0 = "window.__benchT0" if since_click else "0"
    body = [
        "(arg) => {",
        JS_LIB,
        "const failed = document.querySelector('[data-testid=\"stException\"]');",
        "if (failed) throw new Error('the app raised: ' + failed.innerText.slice(0, 800));",
        f"const t0 = {t0};",
        "if (t0 === null || t0 === undefined) return false;",
        "const waits = window.__benchWaits || (window.__benchWaits = {});",
        f"const marks = waits[{token}] || (waits[{token}] = {{}});",
        "const now = performance.now();",
    ]
    for name, conditions in groups.items():
        test = " && ".join(f"({c})" for c in conditions)
        body.append(
            f"if (!({json.dumps(name)} in marks) && {test}) marks[{json.dumps(name)}] = now - t0;"
        )
    names = json.dumps(list(groups))
    body.append(f"if (!{names}.every((n) => n in marks)) return false;")
    # The map travels in a message naming its component (or, before, in one large
    # message): when did the last one arrive?
    body.append(
        "const big = (window.__benchWs || [])"
        f".filter(([t, n, isMap]) => t >= t0 && (isMap || n >= {MAP_MESSAGE_BYTES}));"
    )
    body.append("marks.map_messages = big.length;")
    body.append(
        "const first = (window.__benchWs || []).find(([t]) => t >= t0);"
        "marks.first_message = first ? first[0] - t0 : null;"
    )
    body.append("marks.map_sent = big.length ? big[big.length - 1][0] - t0 : null;")
    body.append("return marks;")
    body.append("}")
    return "\n".join(body)


# In the top page, before Streamlit's code runs: note when each WebSocket message arrives
# (a listener added in the constructor runs before Streamlit's ``onmessage``).
WS_PROBE_JS = """(() => {
    if (window.top !== window || !window.WebSocket) return;
    const MAP_NAME = "__MAP_NAME__";
    const Native = window.WebSocket;
    window.__benchWs = [];
    window.WebSocket = class extends Native {
        constructor(...args) {
            super(...args);
            this.addEventListener("message", (event) => {
                const data = event.data;
                const size = typeof data === "string"
                    ? data.length : (data.byteLength ?? data.size ?? 0);
                let isMap = false;
                if (data instanceof ArrayBuffer) {
                    isMap = new TextDecoder("latin1").decode(data).includes(MAP_NAME);
                }
                window.__benchWs.push([performance.now(), size, isMap]);
            });
        }
    };
})();""".replace("__MAP_NAME__", MAP_COMPONENT_NAME)


def js_str(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)
