"""A minimal Streamlit client over the app's WebSocket: a session without a browser, for load.

It speaks the protocol the browser speaks (protobuf BackMsg / ForwardMsg on ``/_stcore/stream``): it opens
a page, keeps the elements the server sends, and clicks buttons by their key. It draws nothing, so nine of
these cost the machine almost nothing beside the server they load.

    client = SessionClient(url)          # e.g. "http://127.0.0.1:8501"
    client.open("playground")            # runs the page; returns when the run is over
    client.click("pg_play")              # a button's key: its run starts and (here) keeps going
    client.metric_updates("epoch")       # [(arrival time, value shown)], one per redraw of that metric

A live figure (``nnviz.ui.live_figure``) asks for its next frame when a frame arrives; this client does the
same at once (``draw_seconds`` later, if given), as the fastest possible browser would.
"""

from __future__ import annotations

import json
import threading
import time

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState
from websockets.sync.client import connect


class SessionClient:
    """One session: a WebSocket, a thread that reads what the server sends, and the elements seen."""

    def __init__(self, url: str, draw_seconds: float = 0.0):
        self._ws = connect(url.replace("http", "ws", 1) + "/_stcore/stream", subprotocols=["streamlit"],
                           max_size=None, open_timeout=60)
        self._lock = threading.Lock()
        self._buttons: dict[str, str] = {}  # user key -> element id
        self._metrics: dict[str, list[tuple[float, str]]] = {}
        self._finished = threading.Event()
        self.page_script_hash = ""
        self.page_name = ""
        self.bytes_received = 0
        self.messages = 0
        self.exceptions: list[str] = []
        self.draw_seconds = draw_seconds
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        try:
            for payload in self._ws:
                received = time.monotonic()
                msg = ForwardMsg()
                msg.ParseFromString(payload)
                with self._lock:
                    self.bytes_received += len(payload)
                    self.messages += 1
                    self._handle(msg, received)
        except Exception:  # noqa: BLE001, S110 -- the connection closed: the reader ends with it
            pass

    def _handle(self, msg: ForwardMsg, received: float) -> None:
        kind = msg.WhichOneof("type")
        if kind == "navigation":  # the page that ran (st.navigation): later runs name it by its hash
            self.page_script_hash = msg.navigation.page_script_hash or self.page_script_hash
        elif kind == "script_finished":
            self._finished.set()
        elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
            element = msg.delta.new_element
            which = element.WhichOneof("type")
            if which == "button":
                key = element.button.id.rsplit("-", 1)[-1]
                self._buttons[key] = element.button.id
            elif which == "metric":
                self._metrics.setdefault(element.metric.label, []).append((received, element.metric.body))
            elif which == "exception":
                self.exceptions.append(element.exception.message)
            elif which == "bidi_component" and element.bidi_component.json:
                frame = json.loads(element.bidi_component.json).get("frame")
                if frame is None:  # another component (the screen size's): a browser answers it once, not per run
                    return
                threading.Timer(self.draw_seconds, self._ask_next,
                                (element.bidi_component.id, frame, msg.delta.fragment_id)).start()

    def _ask_next(self, component_id: str, frame, fragment_id: str) -> None:
        """What the live figure's JavaScript sends when a frame arrives: its "next" trigger."""
        from streamlit.components.v2.bidi_component.main import _make_trigger_id

        trigger = WidgetState(id=_make_trigger_id(component_id, "events"),
                              json_trigger_value=json.dumps([{"event": "next", "value": frame}]))
        try:
            self._rerun([trigger], fragment_id)
        except Exception:  # noqa: BLE001, S110 -- closed meanwhile
            pass

    def _rerun(self, widget_states: list[WidgetState], fragment_id: str = "") -> None:
        msg = BackMsg()
        state = msg.rerun_script
        state.page_name = self.page_name
        state.page_script_hash = self.page_script_hash
        state.fragment_id = fragment_id
        state.widget_states.widgets.extend(widget_states)
        self._finished.clear()
        self._ws.send(msg.SerializeToString())

    def open(self, page: str, timeout: float = 60) -> None:
        """Run the page at url path ``page`` and wait for the run to end."""
        self.page_name = page
        self._rerun([])
        if not self._finished.wait(timeout):
            raise TimeoutError(f"{page}: no script_finished within {timeout} s")

    def click(self, key: str) -> None:
        """Click the button with widget key ``key`` (no waiting: its run may go on, e.g. a play loop)."""
        with self._lock:
            element_id = self._buttons[key]
        self._rerun([WidgetState(id=element_id, trigger_value=True)])

    def metric_updates(self, label: str) -> list[tuple[float, str]]:
        with self._lock:
            return list(self._metrics.get(label, []))

    def close(self) -> None:
        self._ws.close()
        self._reader.join(timeout=5)
