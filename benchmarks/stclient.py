"""A light Streamlit client: one app session spoken over the websocket protocol the browser uses, with no browser.

What the browser does (streamlit.proto): open ws://HOST/_stcore/stream with the subprotocol "streamlit"; ask for a
run with a BackMsg `rerun_script` (a ClientState: the page's query string, its page name on the first run or its
script hash after, and the widget values); receive ForwardMsgs: `new_session` as a run starts, `navigation` (the
pages and their hashes), `delta` (each element; a widget carries its id, which ends with its key),
`page_info_changed` (the app rewrote the query string), `auto_rerun` (a fragment that asks to be rerun every N
seconds, which the browser then does while the app is idle) and `script_finished` at the end. A run's time here is
from the request to that `script_finished`: the page fully drawn on the server's side, its last element sent.

Used by benchmarks/load_bench.py; one process runs many of these at once with asyncio.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

from streamlit.proto.Alert_pb2 import Alert
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import WebSocketException

FINISHED = ForwardMsg.ScriptFinishedStatus.Value("FINISHED_SUCCESSFULLY")
FRAGMENT_FINISHED = ForwardMsg.ScriptFinishedStatus.Value("FINISHED_FRAGMENT_RUN_SUCCESSFULLY")
COMPILE_ERROR = ForwardMsg.ScriptFinishedStatus.Value("FINISHED_WITH_COMPILE_ERROR")
WIDGET_ID_PREFIX = "$$ID-"  # a keyed widget's id: $$ID-<hash>-<key>
SIDEBAR = 1  # the first index of an element's delta path: 0 the main area, 1 the sidebar
NOTICE = "New records available"  # components/data.py: the poll found an import or undo made elsewhere


@dataclass
class Run:
    """One script run as the client saw it."""

    kind: str  # open, page, filter, poll
    started: float  # time.monotonic() when the request was sent
    seconds: float
    received: int  # bytes
    error: str = ""
    warnings: list[str] = field(default_factory=list)
    notice: bool = False  # the "New records available" notice was drawn


class AppSession:
    """One browser tab's session on one server."""

    def __init__(self, base: str, timeout: float = 60.0):
        self.base = base  # http://127.0.0.1:PORT
        self.timeout = timeout
        self.ws: ClientConnection | None = None
        self.pages: dict[str, str] = {}  # url path ("" for the default page) -> page script hash
        self.page = ""
        self.query_string = ""
        self.options: dict[str, list[str]] = {}  # multiselect key -> its options as shown
        # The widgets as last drawn, by id: (key, value, in the sidebar). The browser sends every drawn widget's value
        # with each request, not only the one the reader changed: a widget left out falls back to its default.
        self.widgets: dict[str, tuple[str, WidgetState, bool]] = {}
        self._drawing: dict[str, tuple[str, WidgetState, bool]] = {}
        self._changed: dict[str, WidgetState] = {}  # widget key -> the value the reader just gave it
        self.fragment: tuple[str, float] | None = None  # (id, seconds) of the fragment that asks to be polled

    async def connect(self) -> None:
        url = self.base.replace("http://", "ws://", 1) + "/_stcore/stream"
        self.ws = await connect(url, subprotocols=["streamlit"], max_size=None, open_timeout=self.timeout)

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()

    # ---- what a reader does ------------------------------------------------------------------------------------
    async def open(self, page: str, query_string: str = "") -> Run:
        """A link opened in a new tab: the first run names the page by its path."""
        self.page, self.query_string = page, query_string
        return await self._run("open", page_name=page)

    async def switch(self, page: str) -> Run:
        """A click in the sidebar's navigation: the old page's widgets are gone, the sidebar's stay."""
        self.page, self.query_string = page, ""  # the app writes the filters back into the new page's link
        self.widgets = {wid: drawn for wid, drawn in self.widgets.items() if drawn[2]}
        return await self._run("page", page_hash=self.pages.get(page, ""))

    async def choose(self, key: str, labels: list[str]) -> Run:
        """A multiselect set to these options (by their shown labels)."""
        state = WidgetState()
        state.string_array_value.data.extend(labels)
        self._changed[key] = state
        return await self._run("filter", page_hash=self.pages.get(self.page, ""))

    async def toggle(self, key: str, value: bool) -> Run:
        state = WidgetState()
        state.bool_value = value
        self._changed[key] = state
        return await self._run("filter", page_hash=self.pages.get(self.page, ""))

    def value(self, key: str) -> WidgetState | None:
        """The value of the widget with this key as last drawn."""
        return next((state for k, state, _ in self.widgets.values() if k == key), None)

    async def poll(self) -> Run | None:
        """The fragment's own rerun, which the browser asks for every `interval` seconds while the app is idle."""
        if self.fragment is None:
            return None
        return await self._run("poll", page_hash=self.pages.get(self.page, ""), fragment_id=self.fragment[0])

    # ---- the protocol ------------------------------------------------------------------------------------------
    def _request(self, page_name: str, page_hash: str, fragment_id: str) -> bytes:
        msg = BackMsg()
        state = msg.rerun_script
        state.query_string = self.query_string
        state.page_name = page_name
        state.page_script_hash = page_hash
        if fragment_id:
            state.fragment_id = fragment_id
            state.is_auto_rerun = True
        for widget_id, (key, value, in_sidebar) in list(self.widgets.items()):
            if key in self._changed:  # from now on the browser holds the reader's value
                value = self._changed.pop(key)
                self.widgets[widget_id] = (key, value, in_sidebar)
            widget = state.widget_states.widgets.add()
            widget.CopyFrom(value)
            widget.id = widget_id
        path = f"/{self.page}" if self.page else "/"
        state.context_info.url = self.base + path + (f"?{self.query_string}" if self.query_string else "")
        state.context_info.timezone = "UTC"
        return msg.SerializeToString()

    async def _run(self, kind: str, page_name: str = "", page_hash: str = "", fragment_id: str = "") -> Run:
        assert self.ws is not None, "connect() first"
        started = time.monotonic()
        run = Run(kind, started, 0.0, 0)
        wanted = FRAGMENT_FINISHED if fragment_id else FINISHED
        self._drawing = {}
        try:
            await self.ws.send(self._request(page_name, page_hash, fragment_id))
            async with asyncio.timeout(self.timeout):
                while True:
                    data = await self.ws.recv()
                    run.received += len(data)
                    msg = ForwardMsg()
                    msg.ParseFromString(data)
                    status = self._read(msg, run)
                    if status == wanted:
                        break
                    if status == COMPILE_ERROR:
                        run.error = run.error or "the script failed to compile"
                        break
        except TimeoutError:
            run.error = f"no script_finished within {self.timeout:.0f} s"
        except (WebSocketException, OSError) as err:
            run.error = f"connection: {type(err).__name__}: {err}"
        run.seconds = time.monotonic() - started
        if fragment_id:
            self.widgets.update(self._drawing)
        elif not run.error:
            self.widgets = self._drawing  # a full run draws every widget there is
        return run

    def _read(self, msg: ForwardMsg, run: Run) -> int | None:
        """Take in one ForwardMsg; the script_finished status when it is one."""
        kind = msg.WhichOneof("type")
        if kind == "script_finished":
            return msg.script_finished
        if kind == "new_session":
            self._drawing = {}  # a run restarted (the app asked for a rerun): only the last one's widgets count
        elif kind == "delta":
            self._read_delta(msg, run, in_sidebar=msg.metadata.delta_path[:1] == [SIDEBAR])
        elif kind == "navigation":
            self.pages = {p.url_pathname: p.page_script_hash for p in msg.navigation.app_pages}
        elif kind == "page_info_changed":
            self.query_string = msg.page_info_changed.query_string
        elif kind == "auto_rerun":
            self.fragment = (msg.auto_rerun.fragment_id, msg.auto_rerun.interval)
        elif kind == "page_not_found":
            run.error = run.error or f"page not found: {msg.page_not_found.page_name!r}"
        elif kind == "session_event" and msg.session_event.HasField("script_compilation_exception"):
            run.error = run.error or "script compilation exception"
        return None

    def _read_delta(self, msg: ForwardMsg, run: Run, in_sidebar: bool) -> None:
        if msg.delta.WhichOneof("type") != "new_element":
            return
        element = msg.delta.new_element
        kind = element.WhichOneof("type")
        if kind is None:
            return
        body = getattr(element, kind)
        if kind == "exception":
            run.error = run.error or f"exception shown: {body.type}: {body.message[:200]}"
        elif kind == "alert":
            if body.format == Alert.ERROR:
                run.error = run.error or f"error shown: {body.body[:200]}"
            elif body.format == Alert.WARNING:
                run.warnings.append(body.body[:200])
            elif NOTICE in body.body:
                run.notice = True
        widget_id = getattr(body, "id", "")
        if not (isinstance(widget_id, str) and widget_id.startswith(WIDGET_ID_PREFIX)):
            return
        key = widget_id.split("-", 2)[-1]
        if kind == "multiselect":
            self.options[key] = list(body.options)
        previous = self.widgets.get(widget_id)
        value = widget_value(kind, body, previous[1] if previous else None)
        if value is not None:
            self._drawing[widget_id] = (key, value, in_sidebar)


def widget_value(kind: str, body: Any, previous: WidgetState | None) -> WidgetState | None:
    """What the browser sends for a drawn widget from now on: the value the app drew it with (set_value), else the
    value it already held (`previous`), else its default. None for buttons (sent only when clicked) and for widgets
    this client never changes and whose value it cannot tell."""
    chosen = body.set_value if hasattr(body, "set_value") else False
    if previous is not None and not chosen:
        return previous
    state = WidgetState()
    if kind == "multiselect":
        labels = list(body.raw_values) if chosen else [body.options[i] for i in body.default]
        state.string_array_value.data.extend(labels)
    elif kind == "date_input":
        state.string_array_value.data.extend(body.value if chosen else body.default)
    elif kind == "checkbox":
        state.bool_value = body.value if chosen else body.default
    elif kind in ("radio", "selectbox"):
        if chosen:
            if body.raw_value:  # drawn with no choice: the browser sends the id alone
                state.string_value = body.raw_value
        elif body.HasField("default") and body.options:
            state.string_value = body.options[body.default]
    elif kind == "slider" and not body.options:
        state.double_array_value.data.extend(body.value if chosen else body.default)
    elif kind == "button_group":
        labels = list(body.raw_values) if chosen else [body.options[i].content for i in body.default]
        state.string_array_value.data.extend(labels)
    elif kind in ("text_input", "text_area"):
        state.string_value = body.value if chosen else body.default
    elif kind == "number_input":
        state.double_value = body.value if chosen else body.default
    else:
        return None
    return state
