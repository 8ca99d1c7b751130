"""benchmarks/__main__: a run of some parts keeps the other parts of results.json."""

from __future__ import annotations

import json

from benchmarks.__main__ import with_earlier_parts


def _results(date: str, parts: dict) -> dict:
    return {"date": date, "parts": {name: {"result": value} for name, value in parts.items()},
            "table": [{"part": name, "measurement": name, "value": value} for name, value in parts.items()]}


def test_a_run_of_one_part_keeps_the_others_with_their_date_and_rows(tmp_path):
    path = tmp_path / "results.json"
    path.write_text(json.dumps(_results("2026-11-29", {"reruns": 1, "engine": 2, "browser": 3})))
    merged = with_earlier_parts(_results("2026-11-30", {"engine": 20}), path)
    assert merged["date"] == "2026-11-30"
    assert {name: entry["result"] for name, entry in merged["parts"].items()} == {"reruns": 1, "browser": 3, "engine": 20}
    assert merged["parts"]["reruns"]["date"] == "2026-11-29"
    assert [(row["part"], row["value"]) for row in merged["table"]] == [("reruns", 1), ("browser", 3), ("engine", 20)]


def test_without_an_earlier_file_the_run_is_written_as_it_is(tmp_path):
    run = _results("2026-11-30", {"engine": 20})
    assert with_earlier_parts(run, tmp_path / "missing.json") is run
    (tmp_path / "broken.json").write_text("{not json")
    assert with_earlier_parts(run, tmp_path / "broken.json") is run
