import json
from pathlib import Path

import pytest

from tests.fixtures import replay
from tests.scenarios import SCENARIOS

RECORDINGS = Path(__file__).resolve().parents[2] / "tests" / "recordings"


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_the_committed_recording_is_what_the_recorder_makes_of_its_samples(name: str) -> None:
    # tests/recordings/ are the Rust side's fixtures: they must not drift from the derivation.
    # After changing it: ../.venv/bin/python -m tests.make_recordings --rebuild
    committed = json.loads((RECORDINGS / f"{name}.json").read_text())
    assert committed == replay(name)
    assert (RECORDINGS / f"{name}.json").stat().st_size < 300_000
