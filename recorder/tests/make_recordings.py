"""Makes the real recordings in tests/recordings/ (and raw samples for the unit tests) with this machine's Ray:

.venv/bin/python -m tests.make_recordings [NAME ...]      (from recorder/)
"""

from __future__ import annotations

import gzip
import shutil
import sys
from pathlib import Path

from gangplank_record.writer import write_atomic
from tests.fixtures import replay
from tests.scenarios import SCENARIOS, run_scenario

RECORDINGS = Path(__file__).resolve().parents[2] / "tests" / "recordings"
RAW = Path(__file__).resolve().parent / "fixtures"


def rebuild() -> int:
    for name in SCENARIOS:
        out = RECORDINGS / f"{name}.json"
        print(f"{name}: {out} ({write_atomic(out, replay(name))} bytes, rebuilt from its raw samples)")
    return 0


def main(names: list[str]) -> int:
    if names == ["--rebuild"]:
        return rebuild()
    RECORDINGS.mkdir(parents=True, exist_ok=True)
    RAW.mkdir(parents=True, exist_ok=True)
    for name in names or list(SCENARIOS):
        out = RECORDINGS / f"{name}.json"
        raw = RAW / f"{name}.raw.jsonl"
        run = run_scenario(name, out, raw)
        with open(raw, "rb") as source, gzip.open(f"{raw}.gz", "wb", compresslevel=9) as target:
            shutil.copyfileobj(source, target)
        raw.unlink()
        print(f"{name}: {out} ({out.stat().st_size} bytes), notes {run.notes}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
