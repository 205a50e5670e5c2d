from __future__ import annotations

import json
from pathlib import Path

import pytest

from gangplank_record.cli import EXIT_UNREACHABLE, EXIT_USAGE, main
from gangplank_record.writer import render, write_atomic


def test_the_file_is_one_json_object_with_a_line_per_sample(tmp_path: Path) -> None:
    doc = {"format": "gangplank.recording/v1", "samples": [{"t": 0.0}, {"t": 0.5}], "events": []}
    out = tmp_path / "run.json"
    size = write_atomic(out, doc)
    assert json.loads(out.read_text()) == doc
    assert size == out.stat().st_size
    assert '\n  {"t":0.0},\n  {"t":0.5}\n' in render(doc)
    write_atomic(out, {**doc, "samples": []})
    assert json.loads(out.read_text())["samples"] == []
    assert [p.name for p in tmp_path.iterdir()] == ["run.json"]  # no temp file left behind


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--period", "0"], "--period 0.0: must be between 0.05 and 3600 seconds"),
        (["--duration", "-1"], "--duration -1.0: must be more than 0 seconds"),
        (["--app", " "], "--app: an empty application name"),
        (["--address", "local"], "--address local would start a new Ray instance; give the running cluster's address"),
    ],
)
def test_bad_arguments_say_what_is_wrong(
    args: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--out", str(tmp_path / "run.json"), *args]) == EXIT_USAGE
    assert capsys.readouterr().err.strip() == f"gangplank_record: {message}"


def test_an_output_path_that_cannot_be_written(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--out", str(tmp_path)]) == EXIT_USAGE
    assert "is a directory" in capsys.readouterr().err
    assert main(["--out", str(tmp_path / "missing" / "run.json")]) == EXIT_USAGE
    assert "does not exist" in capsys.readouterr().err


def test_an_address_nothing_listens_at_fails_at_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # ray.init alone would retry for minutes; the recorder says why within a second.
    assert main(["--address", "127.0.0.1:1", "--out", str(tmp_path / "run.json"), "--timeout", "1"]) == EXIT_UNREACHABLE
    assert "cannot reach a Ray cluster at" in capsys.readouterr().err
    assert not (tmp_path / "run.json").exists()
