"""ui.FramePacer: the live frames of all sessions share the server's one core."""

from __future__ import annotations

import pytest

from nnviz.ui import FramePacer


def test_one_session_plays_at_the_frame_period():
    pacer = FramePacer(period=0.1, share=0.6)
    assert pacer.wait("a", now=10.0) == 0.0  # the first frame is due at once
    pacer.record("a", start=10.0, end=10.05, cpu=0.05)
    assert pacer.wait("a", now=10.05) == pytest.approx(0.05)  # 0.1 s after the frame began
    assert pacer.wait("a", now=10.2) == 0.0
    assert pacer.playing(now=10.1) == 1


def test_many_sessions_space_their_frames_to_share_one_core():
    pacer = FramePacer(period=0.1, share=0.5)
    for k in range(10):
        pacer.record(f"s{k}", start=10.0, end=10.04, cpu=0.04)
    # together 0.4 s of CPU a round at most half a core: each session's frames are 0.8 s apart
    assert pacer.wait("s0", now=10.04) == pytest.approx(0.76)
    assert pacer.playing(now=10.1) == 10


def test_sessions_that_stopped_no_longer_count():
    pacer = FramePacer(period=0.1, share=0.5, idle_after=2.0)
    pacer.record("gone", start=0.0, end=0.04, cpu=0.4)
    pacer.record("here", start=10.0, end=10.04, cpu=0.04)
    assert pacer.playing(now=10.1) == 1
    assert pacer.wait("here", now=10.04) == pytest.approx(0.06)  # only its own frame counts
    pacer.record("here", start=100.0, end=100.04, cpu=0.04)  # a minute later the old one is forgotten
    assert "gone" not in pacer._frames
