"""Saved raw samples of real runs (made by make_recordings.py) replayed through the recorder's pure part."""

from __future__ import annotations

import gzip
from pathlib import Path

from gangplank_record.cli import replay_raw
from gangplank_record.jsontypes import Json

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def replay(name: str, gangs_supported: bool = True, app_filter: list[str] | None = None) -> Json:
    with gzip.open(FIXTURES / f"{name}.raw.jsonl.gz", "rt", encoding="utf-8") as lines:
        return replay_raw(list(lines), 0.5, "2.60.0", gangs_supported, app_filter)


def events(doc: Json, kind: str) -> list[Json]:
    return [e for e in doc["events"] if e["kind"] == kind]
