"""Against a real local Ray 2.60 cluster (head CPU=0 + 3 workers CPU=2): a PACK gang deployment (gang_size 2,
4 replicas), the recorder as a separate process, one replica ray.kill'ed, recovery, Ctrl-C; then what the file says.

Run: cd recorder && ../.venv/bin/pytest -m integration   (about a minute; every Ray process it starts is stopped)
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
from pathlib import Path

import pytest

from gangplank_record import FORMAT
from gangplank_record.jsontypes import Json
from tests.fixtures import events
from tests.scenarios import Run, kill_recorder, pack_replica_kill, start_recorder, stop_recorder, wait_until

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Json:
    from tests.ray_cluster import LocalCluster

    out = tmp_path_factory.mktemp("recording") / "run.json"
    result: Json = {"path": out}
    with LocalCluster(workers=3) as cluster:
        run = Run(cluster=cluster, out=out, raw_out=None, period_s=0.5)
        try:
            pack_replica_kill(run)
            # Complete while the recorder is still writing: it is rewritten atomically, never in place.
            result["while_recording"] = seen = json.loads(out.read_text())
            # It goes on rewriting: wait for a later, longer write before Ctrl-C, so the final file must hold more
            # samples than this copy (Ctrl-C right after a write, before the next tick, would add none).
            wait_until("a later write", lambda: len(json.loads(out.read_text())["samples"]) > len(seen["samples"]), 30)
            result["exit"] = stop_recorder(run)
            # The same cluster, recorded again: with --internal-state, stopped by SIGTERM; then once more, kill -9.
            again = Run(cluster=cluster, out=out.with_name("internal.json"), raw_out=None, period_s=0.5)
            start_recorder(again, "--internal-state")
            wait_until("two writes", lambda: len(json.loads(again.out.read_text())["samples"]) >= 4, 60)
            result["sigterm_exit"] = stop_recorder(again, signal.SIGTERM)
            result["internal"] = json.loads(again.out.read_text())
            killed = Run(cluster=cluster, out=out.with_name("killed.json"), raw_out=None, period_s=0.5)
            start_recorder(killed)
            wait_until("two writes", lambda: len(json.loads(killed.out.read_text())["samples"]) >= 4, 60)
            stop_recorder(killed, signal.SIGKILL)
            result["after_kill_9"] = json.loads(killed.out.read_text())
            timed = Run(cluster=cluster, out=out.with_name("timed.json"), raw_out=None, period_s=0.5)
            start_recorder(timed, "--duration", "2", "--app", "app")
            assert timed.recorder is not None
            result["duration_exit"] = timed.recorder.wait(timeout=60)
            result["timed"] = json.loads(timed.out.read_text())
        finally:
            kill_recorder(run)
    result["left_behind"] = cluster.left_behind
    result["notes"] = run.notes
    result["doc"] = json.loads(out.read_text())
    return result


def last_read(doc: Json, section: str) -> list[Json]:
    """The section of the last sample that could read it (a failed request leaves it null: the last state stands)."""
    read: list[Json] = next(s[section] for s in reversed(doc["samples"]) if s[section] is not None)
    return read


def final_replicas(doc: Json) -> list[Json]:
    return [r for a in last_read(doc, "applications") for d in a["deployments"] for r in d["replicas"]]


def test_ctrl_c_leaves_a_complete_file_and_no_ray_process(recorded: Json) -> None:
    assert recorded["exit"] == 0
    assert recorded["while_recording"]["format"] == FORMAT
    doc = recorded["doc"]
    assert doc["format"] == FORMAT and doc["ray_version"] == "2.60.0" and doc["gangs_supported"] is True
    assert len(doc["samples"]) > 10 and doc["duration_s"] > 5
    assert len(doc["samples"]) > len(recorded["while_recording"]["samples"])
    assert recorded["left_behind"] == []  # raylet/gcs_server of our temp dir, after cluster.shutdown()


def test_gangs_ranks_and_placement_groups_are_recorded(recorded: Json) -> None:
    doc = recorded["doc"]
    [app] = doc["applications"]
    config = app["deployments"][0]["config"]
    assert config["gang_scheduling_config"]["gang_placement_strategy"] == "PACK" and config["num_replicas"] == 4
    assert [n["alias"] for n in doc["cluster"]["nodes"]] == ["head", "w1", "w2", "w3"]
    replicas = final_replicas(doc)
    assert len(replicas) == 4 and all(r["state"] == "RUNNING" for r in replicas)
    pgs = {pg["placement_group_id"]: pg for pg in last_read(doc, "placement_groups")}
    gangs: dict[str, list[int]] = {}
    for r in replicas:
        pg = pgs[r["placement_group_id"]]
        assert pg["gang_id"] == r["gang_id"] and pg["name"].startswith("SERVE_GANG::app_G_")
        assert pg["state"] == "CREATED" and pg["strategy"] == "PACK" and len(set(pg["bundle_nodes"])) == 1
        assert pg["bundle_nodes"][r["bundle_index"]] == r["node_id"] and r["world_size"] == 2
        gangs.setdefault(r["gang_id"], []).append(r["rank"])
    assert len(gangs) == 2 and all(sorted(ranks) == [0, 1] for ranks in gangs.values())


def test_the_kill_tears_down_that_gang_only(recorded: Json) -> None:
    doc, killed = recorded["doc"], recorded["notes"]["killed"]
    deaths = {e["replica"]: e for e in events(doc, "replica_actor_died")}
    kill = deaths[killed]
    assert (kill["death_reason"], kill["serve_state"]) == ("RAY_KILL", "RUNNING")
    # Never the controller's. False when the sample that saw the death still listed the replica; None (cannot tell)
    # when Serve had already dropped it, which a 0.5 s period sometimes misses: the controller also stops replicas
    # with RAY_KILL, and a forced stop need not be seen STOPPING first (derive.py).
    assert kill["by_controller"] in (False, None)
    gang = kill["gang_id"]
    members = {e["replica"] for e in events(doc, "replica_added") if e["gang_id"] == gang}
    assert len(members) == 2
    assert {e["replica"] for e in events(doc, "replica_removed")} == members  # both members stopped
    assert all(deaths[m]["by_controller"] for m in members - {killed})
    assert [e["gang_id"] for e in events(doc, "pg_removed")] == [gang]
    new = [e for e in events(doc, "pg_created") if e["t"] >= kill["t"]]
    assert len(new) == 1 and new[0]["gang_id"] != gang
    before = set(recorded["notes"]["before"])
    untouched = before - members
    assert len(untouched) == 2 and untouched <= {r["replica_id"] for r in final_replicas(doc)}
    assert not [e for e in doc["events"] if e.get("replica") in untouched and e["t"] >= kill["t"]]


def test_sigterm_and_kill_9_leave_complete_files(recorded: Json) -> None:
    assert recorded["sigterm_exit"] == 0
    assert recorded["internal"]["format"] == FORMAT
    assert recorded["after_kill_9"]["format"] == FORMAT and len(recorded["after_kill_9"]["samples"]) >= 1


def test_duration_stops_the_recorder_by_itself(recorded: Json) -> None:
    timed = recorded["timed"]
    assert recorded["duration_exit"] == 0
    assert 2 <= timed["duration_s"] < 3.5 and timed["recorder"]["app_filter"] == ["app"]


def test_the_inferred_ranks_are_the_controllers(recorded: Json) -> None:
    # --internal-state reads each replica's GangContext from the controller: the public inference must agree.
    internal = recorded["internal"]
    assert internal["recorder"]["internal_state"] is True
    assert any("_dump_replica_states_for_testing" in note for note in internal["limitations"])
    assert not [e for s in internal["samples"] for e in s.get("errors", []) if "internal state" in e]
    public = {r["replica_id"]: (r["gang_id"], r["rank"], r["world_size"]) for r in final_replicas(recorded["doc"])}
    private = {r["replica_id"]: (r["gang_id"], r["rank"], r["world_size"]) for r in final_replicas(internal)}
    assert private == public
    assert {r["rank_source"] for r in final_replicas(internal)} == {"internal_state"}
    assert {r["rank_source"] for r in final_replicas(recorded["doc"])} == {"bundle"}


def test_gangplank_cli_check_agrees(recorded: Json) -> None:
    cli = os.environ.get("GANGPLANK_CLI")
    if not cli:
        pytest.skip("GANGPLANK_CLI is not set (scripts/test.sh sets it to the gangplank-cli cargo built)")
    if not Path(cli).is_file():
        pytest.fail(f"GANGPLANK_CLI={cli}: no such file")
    checked = subprocess.run([cli, "check", str(recorded["path"])], capture_output=True, text=True, timeout=120)
    assert checked.returncode == 0, f"{cli} check: exit {checked.returncode}\n{checked.stdout}\n{checked.stderr}"
