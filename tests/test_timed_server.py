"""benchmarks/timed_server: each script run and each section (fragment) it reruns on its own are logged, timed."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Two keyed sections; the slider in the first reruns both (as the pages' shared inputs do).
APP = '''
import time
import streamlit as st

def both():
    st.rerun(["first", "second"])

@st.fragment(key="first")
def first():
    st.slider("shared", 0, 10, key="shared", on_change=both)
    time.sleep(0.03)

@st.fragment(key="second")
def second():
    st.write("second")

first()
second()
'''

DRIVER = '''
import sys
from benchmarks import timed_server
timed_server.install(sys.argv[1])
from streamlit.testing.v1 import AppTest
at = AppTest.from_string(sys.argv[2]).run()
at.slider("shared").set_value(3).run()
'''


def test_each_run_and_each_section_it_reruns_are_logged_with_their_times(tmp_path):
    log = tmp_path / "runs.jsonl"
    subprocess.run([sys.executable, "-c", textwrap.dedent(DRIVER), str(log), APP], cwd=ROOT, check=True,
                   timeout=120, capture_output=True)
    runs = [json.loads(line) for line in log.read_text().splitlines()]
    sections = [json.loads(line) for line in Path(f"{log}.fragments").read_text().splitlines()]
    assert len(runs) == 2  # the page, then the slider's change
    assert all(run["end"] >= run["start"] and run["cpu"] >= 0 for run in runs)
    # the page's first run calls its sections itself: none is looked up and logged
    in_run = [[s["fragment"] for s in sections if run["start"] <= s["start"] <= s["end"] <= run["end"]] for run in runs]
    assert in_run == [[], ["first", "second"]]
    first = sections[0]
    assert first["end"] - first["start"] >= 0.03  # its own time, the sleep included
    assert len(sections) == 2
