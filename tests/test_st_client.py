"""benchmarks/st_client: the WebSocket session answers a live figure's frames, and no other component."""

from __future__ import annotations

import json

from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from benchmarks import st_client


def component_message(component_id: str, payload: dict, fragment_id: str = "") -> ForwardMsg:
    msg = ForwardMsg()
    msg.delta.fragment_id = fragment_id
    element = msg.delta.new_element.bidi_component
    element.id = component_id
    element.json = json.dumps(payload)
    return msg


def test_answers_live_frames_only(monkeypatch):
    """The screen-size component sits outside every fragment: answering it as a frame reran the whole Playground
    page at every frame (114 page runs in 6 s, 173-227 kB a 'frame', 1.4-1.9 frames a second)."""
    asked = []

    class Timer:  # the client's delayed answer, run at once
        def __init__(self, seconds, function, args):
            self.args = args

        def start(self):
            asked.append(self.args)

    monkeypatch.setattr(st_client.threading, "Timer", Timer)
    client = object.__new__(st_client.SessionClient)  # no WebSocket: only the handling of messages
    client.draw_seconds, client._metrics, client._buttons, client.exceptions = 0.0, {}, {}, []
    client._handle(component_message("screen", {"below": 640, "large_from": 1360, "size": "large"}), 0.0)
    client._handle(component_message("live", {"frame": 0, "figure": {}}, "live-section"), 0.0)
    client._handle(component_message("live", {"frame": 1, "figure": {}}, "live-section"), 0.0)
    assert asked == [("live", 0, "live-section"), ("live", 1, "live-section")]
