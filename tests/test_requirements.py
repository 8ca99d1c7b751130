"""requirements-unit.txt (the unit tests' environment on every Python, .ci/run) is requirements.txt and
requirements-dev.txt less the app and the other tests' tools: the same lines, so the versions cannot drift."""

from __future__ import annotations

import ast
import sys

import pytest
from conftest import ROOT
from packaging.requirements import Requirement  # pytest's own dependency

pytestmark = pytest.mark.unit
APP_ONLY = {"streamlit", "streamlit-drawable-canvas"}  # Streamlit 1.67 needs Python >= 3.11
OTHER_TESTS_ONLY = {"playwright", "nbclient", "ipykernel", "ruff"}  # the browser, notebook and lint steps


def requirement_lines(name: str) -> list[str]:
    lines = (ROOT / name).read_text().splitlines()
    return [line for line in lines if line.strip() and not line.startswith(("#", "-r"))]


def package(line: str) -> str:
    return Requirement(line).name.lower()


def test_the_unit_requirements_are_the_apps_and_the_tests_lines_less_the_app_and_the_other_tools():
    unit = requirement_lines("requirements-unit.txt")
    full = requirement_lines("requirements.txt") + requirement_lines("requirements-dev.txt")
    assert len(unit) == len(set(unit))
    assert set(unit) <= set(full)
    assert {package(line) for line in set(full) - set(unit)} == APP_ONLY | OTHER_TESTS_ONLY


def test_every_package_nnviz_imports_is_a_requirement_of_its_own():
    """nnviz imports pillow directly (digit_image), so it is listed, not left to come with Streamlit."""

    imported = set()
    for path in (ROOT / "nnviz").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                imported |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                imported.add(node.module.split(".")[0])
    distribution = {"PIL": "pillow", "sklearn": "scikit-learn", "tensorflow": "tensorflow-cpu",
                    "keras": "tensorflow-cpu",  # TensorFlow's wheel brings Keras 3 and pins its range
                    "pandas": "streamlit",  # ui.py imports it only to finish Streamlit's own lazy import early
                    "pyarrow": "streamlit",  # ui.py gives st.table Arrow tables, the form Streamlit sends them in
                    "_plotly_utils": "plotly"}  # plotly's private helpers: figures.style sends typed arrays as plotly does
    listed = {package(line) for line in requirement_lines("requirements.txt")}
    third_party = {name for name in imported if name not in sys.stdlib_module_names and name != "nnviz"}
    assert {distribution.get(name, name).lower() for name in third_party} - listed == set()
