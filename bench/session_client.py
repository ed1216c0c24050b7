"""A Streamlit session without a browser: the messages a browser tab exchanges with the
server, and nothing else.

The load benchmark (:mod:`bench.load`) needs many users on one 2-core machine. A real
Chromium tab spends several CPU seconds running Streamlit's own frontend and drawing the
map, which in a workshop happens on each participant's device, not on the server. This
client opens the same websocket (``/_stcore/stream``), asks for the same page with the
same query string as a browser does, reads every message the server sends (protobuf
``ForwardMsg``), and answers a map click with the same widget value the map component
sends, so the server does exactly the work it does for a browser. What it does not do is
draw: the one real Chromium user of each level measures that.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass
from typing import Any

MAP_COMPONENT = "streamlit_folium.st_folium"


class SessionError(RuntimeError):
    """The server closed the session, or did not send what was waited for in time."""


@dataclass(frozen=True)
class MapSeen:
    """When the map's component message arrived, and what is needed to click it."""

    seconds: float
    """From opening the websocket to the map component's message."""
    widget_id: str
    fragment_id: str
    page_script_hash: str
    args_bytes: int


class SessionClient:
    """One Streamlit session on ``base_url`` (``http://127.0.0.1:PORT``)."""

    def __init__(self, base_url: str, *, query: str = "", locale: str = "en-US") -> None:
        self._http = base_url.rstrip("/")
        self._ws_url = "ws" + self._http[len("http") :] + "/_stcore/stream"
        self._query = query
        self._locale = locale
        self._ws: Any = None
        self._page_hash = ""
        self.headings: list[str] = []
        """The headings of the last run (``st.title``, ``st.subheader``...)."""

    async def __aenter__(self) -> SessionClient:
        from websockets.asyncio.client import connect

        self._ws = await connect(
            self._ws_url,
            subprotocols=["streamlit"],  # type: ignore[list-item]
            origin=self._http,  # type: ignore[arg-type]
            max_size=None,
            open_timeout=60,
            ping_interval=None,
        )
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._ws is not None:
            await self._ws.close()

    def _client_state(self, *, widgets: list[Any] | None = None, fragment_id: str = "") -> Any:
        from streamlit.proto.ClientState_pb2 import ClientState, ContextInfo
        from streamlit.proto.WidgetStates_pb2 import WidgetStates

        return ClientState(
            query_string=self._query,
            page_script_hash=self._page_hash,
            fragment_id=fragment_id,
            widget_states=WidgetStates(widgets=widgets or []),
            context_info=ContextInfo(
                url=f"{self._http}/?{self._query}" if self._query else f"{self._http}/",
                locale=self._locale,
                timezone="UTC",
                timezone_offset=0,
            ),
        )

    async def _send_rerun(self, state: Any) -> None:
        from streamlit.proto.BackMsg_pb2 import BackMsg

        await self._ws.send(BackMsg(rerun_script=state).SerializeToString())

    async def _receive(self, deadline: float) -> Any:
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise SessionError("the server did not answer in time")
        try:
            data = await asyncio.wait_for(self._ws.recv(), timeout=remaining)
        except TimeoutError:
            raise SessionError("the server did not answer in time") from None
        except Exception as exc:  # the websocket closed
            raise SessionError(f"the session closed: {exc}") from None
        msg = ForwardMsg()
        msg.ParseFromString(data)
        if msg.WhichOneof("type") == "delta" and msg.delta.WhichOneof("type") == "new_element":
            element = msg.delta.new_element
            if element.WhichOneof("type") == "heading":
                self.headings.append(element.heading.body)
        return msg

    async def open_map(self, timeout_s: float) -> MapSeen:
        """Ask for the page and wait for its map; then for the run to finish."""
        started = time.monotonic()
        deadline = started + timeout_s
        self.headings = []
        await self._send_rerun(self._client_state())
        seen: MapSeen | None = None
        while True:
            msg = await self._receive(deadline)
            kind = msg.WhichOneof("type")
            if kind == "new_session":
                self._page_hash = msg.new_session.page_script_hash
            elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
                element = msg.delta.new_element
                if element.WhichOneof("type") == "component_instance":
                    comp = element.component_instance
                    if comp.component_name == MAP_COMPONENT and seen is None:
                        seen = MapSeen(
                            seconds=time.monotonic() - started,
                            widget_id=comp.id,
                            fragment_id=msg.delta.fragment_id,
                            page_script_hash=self._page_hash,
                            args_bytes=len(comp.json_args) + len(msg.SerializeToString()),
                        )
            elif kind == "script_finished":
                if seen is None:
                    raise SessionError("the page finished without a map")
                return seen

    async def click_map(self, seen: MapSeen, *, lat: float, lng: float, timeout_s: float) -> float:
        """Send the map component's value for a click at (lat, lng), as the browser does;
        the seconds until the rerun it starts has finished."""
        from streamlit.proto.WidgetStates_pb2 import WidgetState

        value = {"last_clicked": {"lat": lat, "lng": lng}}
        widget = WidgetState(id=seen.widget_id, json_value=json.dumps(value))
        self.headings = []
        started = time.monotonic()
        await self._send_rerun(self._client_state(widgets=[widget], fragment_id=seen.fragment_id))
        deadline = started + timeout_s
        while True:
            msg = await self._receive(deadline)
            if msg.WhichOneof("type") == "script_finished":
                return time.monotonic() - started
