"""The derivation checked on raw samples saved from real Ray 2.60 runs (tests/fixtures/*.raw.jsonl.gz)."""

from __future__ import annotations

from gangplank_record.jsontypes import Json
from tests.fixtures import events, replay


def running_gangs(sample: Json) -> dict[str, list[tuple[int | None, int | None]]]:
    gangs: dict[str, list[tuple[int | None, int | None]]] = {}
    for app in sample["applications"]:
        for dep in app["deployments"]:
            for r in dep["replicas"]:
                if r["state"] == "RUNNING":
                    gangs.setdefault(r["gang_id"], []).append((r["rank"], r["world_size"]))
    return {g: sorted(m, key=str) for g, m in gangs.items()}


def members(doc: Json, gang_id: str) -> set[str]:
    return {e["replica"] for e in events(doc, "replica_added") if e["gang_id"] == gang_id}


def test_pack_kill_tears_down_the_victims_gang_only() -> None:
    doc = replay("pack_replica_kill")
    assert [n["alias"] for n in doc["cluster"]["nodes"]] == ["head", "w1", "w2", "w3"]
    user_kills = [e for e in events(doc, "replica_actor_died") if e["by_controller"] is False]
    assert len(user_kills) == 1, events(doc, "replica_actor_died")
    kill = user_kills[0]
    assert (kill["death_reason"], kill["serve_state"]) == ("RAY_KILL", "RUNNING")
    gang = kill["gang_id"]
    partner = members(doc, gang) - {kill["replica"]}
    assert len(partner) == 1
    stopped = {e["replica"] for e in events(doc, "replica_removed")}
    assert stopped == {kill["replica"], *partner}
    controller_stops = {e["replica"] for e in events(doc, "replica_actor_died") if e["by_controller"]}
    assert controller_stops == partner
    assert [e["gang_id"] for e in events(doc, "pg_removed")] == [gang]
    new_gangs = [e for e in events(doc, "pg_created") if e["t"] > kill["t"]]
    assert len(new_gangs) == 1 and new_gangs[0]["strategy"] == "PACK"
    first_gangs = {e["gang_id"] for e in events(doc, "pg_created") if e["t"] < kill["t"]}
    survivor = (first_gangs - {gang}).pop()
    assert not [e for e in doc["events"] if e.get("gang_id") == survivor and e["t"] >= kill["t"]]
    last = running_gangs(doc["samples"][-1])
    assert sorted(last) == sorted([survivor, new_gangs[0]["gang_id"]])
    assert all(m == [(0, 2), (1, 2)] for m in last.values())


def test_spread_node_death_tears_down_the_gang_with_a_member_there() -> None:
    doc = replay("spread_node_kill")
    [dead] = events(doc, "node_dead")
    first = {e["gang_id"]: e["nodes"] for e in events(doc, "pg_created") if e["t"] < dead["t"] - 5}
    assert len(first) == 2 and all(len(set(nodes)) == 2 for nodes in first.values())  # SPREAD: two nodes each
    [hit] = [g for g, nodes in first.items() if dead["node"] in nodes]
    [survivor] = [g for g in first if g != hit]
    assert {e["replica"] for e in events(doc, "replica_removed")} == members(doc, hit)
    # Serve's health check may notice before Ray declares the node dead: then the controller's ray.kill is the
    # recorded cause (RAY_KILL), not NODE_DIED. Either way no death here is a user's.
    deaths = events(doc, "replica_actor_died")
    assert {e["replica"] for e in deaths} == members(doc, hit)
    assert all(e["by_controller"] is not False or e["death_reason"] == "NODE_DIED" for e in deaths)
    assert [e["gang_id"] for e in events(doc, "pg_removed")] == [hit]
    teardown_t = events(doc, "replica_removed")[0]["t"]
    assert not [e for e in doc["events"] if e.get("gang_id") == survivor and e["t"] >= teardown_t]
    assert sorted(running_gangs(doc["samples"][-1])) == sorted([survivor, events(doc, "pg_created")[-1]["gang_id"]])


def test_a_controller_crash_restarts_it_and_keeps_the_replicas() -> None:
    doc = replay("controller_crash")
    [down] = events(doc, "controller_down")
    [up] = events(doc, "controller_up")
    assert up["restarted"] is True and up["t"] >= down["t"]
    recovering = {e["replica"] for e in events(doc, "replica_state") if e["to"] == "RECOVERING"}
    assert len(recovering) == 4  # the new controller recovers the 4 running replicas from their actors
    assert not events(doc, "replica_removed")
    assert not events(doc, "replica_actor_died")
    assert len(running_gangs(doc["samples"][-1])) == 2


def test_a_plain_deployment_has_no_gang_fields() -> None:
    doc = replay("plain_replica_kill")
    replicas = [r for s in doc["samples"] for a in s["applications"] for d in a["deployments"] for r in d["replicas"]]
    assert replicas and all(r["gang_id"] is None and r["rank"] is None and r["world_size"] is None for r in replicas)
    assert not events(doc, "pg_created")
    [kill] = events(doc, "replica_actor_died")
    assert kill["by_controller"] is False
    assert [e["replica"] for e in events(doc, "replica_removed")] == [kill["replica"]]


def test_ray_without_gangs_records_plain_replicas_and_says_so() -> None:
    doc = replay("pack_replica_kill", gangs_supported=False)
    assert doc["gangs_supported"] is False
    assert any("no Serve gang scheduling" in note for note in doc["limitations"])
    replicas = [r for s in doc["samples"] for a in s["applications"] for d in a["deployments"] for r in d["replicas"]]
    assert all(r["rank"] is None and r["world_size"] is None and r["gang_id"] is None for r in replicas)


def test_an_app_filter_that_matches_nothing_records_no_app() -> None:
    doc = replay("pack_replica_kill", app_filter=["other"])
    assert doc["applications"] == []
    assert all(s["applications"] == [] and s["placement_groups"] == [] for s in doc["samples"])
