"""One raw read into one sample, on hand-made raw samples."""

from __future__ import annotations

from gangplank_record.jsontypes import Json
from gangplank_record.snapshot import SnapshotContext, build_sample

PG = "aaaa0000"


def actor(replica_id: str, state: str, bundle: int | None = 0) -> Json:
    resources = {f"CPU_group_{bundle}_{PG}": 1.0, f"CPU_group_{PG}": 1.0} if bundle is not None else {}
    return {
        "actor_id": f"a-{replica_id}",
        "name": f"SERVE_REPLICA::app#G#{replica_id}",
        "state": state,
        "node_id": "n1",
        "pid": 7,
        "placement_group_id": PG,
        "required_resources": resources,
        "death_cause": {"actor_died_error_context": {"reason": "RAY_KILL", "error_message": "killed by ray.kill"}}
        if state == "DEAD"
        else None,
    }


def raw(*actors: Json, replicas: list[Json] | None = None) -> Json:
    config = {"num_replicas": 2, "gang_scheduling_config": {"gang_size": 2}}
    deployment = {"deployment_config": config, "status": "HEALTHY", "replicas": replicas or []}
    return {
        "details": {"applications": {"app": {"status": "RUNNING", "deployments": {"G": deployment}}}},
        "actors": list(actors),
        "nodes": [],
        "pgs": {PG: {"name": "SERVE_GANG::app_G_0_12345678", "state": "CREATED", "bundles": {}}},
        "errors": [],
    }


def test_a_death_is_reported_once_and_never_one_from_before_the_recording() -> None:
    ctx = SnapshotContext(app_filter=None, gangs_supported=True)
    assert build_sample(raw(actor("old", "DEAD")), 0.0, ctx)["actor_deaths"] == []
    [death] = build_sample(raw(actor("old", "DEAD"), actor("r1", "DEAD")), 0.5, ctx)["actor_deaths"]
    assert (death["replica"], death["reason"], death["message"]) == ("r1", "RAY_KILL", "killed by ray.kill")
    assert build_sample(raw(actor("r1", "DEAD")), 1.0, ctx)["actor_deaths"] == []


def test_a_replica_joins_its_actor_gang_and_rank() -> None:
    ctx = SnapshotContext(app_filter=None, gangs_supported=True)
    detail = {"replica_id": "r2", "state": "RUNNING", "actor_id": "a-r2", "start_time_s": 1.0}
    sample = build_sample(raw(actor("r2", "ALIVE", bundle=1), replicas=[detail]), 0.0, ctx)
    [replica] = sample["applications"][0]["deployments"][0]["replicas"]
    assert {k: replica[k] for k in ("gang_id", "rank", "world_size", "bundle_index", "rank_source", "node_id")} == {
        "gang_id": "12345678",
        "rank": 1,
        "world_size": 2,
        "bundle_index": 1,
        "rank_source": "bundle",
        "node_id": "n1",
    }
    [pg] = sample["placement_groups"]
    assert (pg["gang_id"], pg["app"], pg["deployment"]) == ("12345678", "app", "G")


def test_a_failed_read_is_null_and_named() -> None:
    ctx = SnapshotContext(app_filter=None, gangs_supported=True)
    failed = {**raw(), "details": None, "actors": None, "errors": ["list_actors: timed out"]}
    sample = build_sample(failed, 0.0, ctx)
    assert sample["applications"] is None and sample["controller"]["alive"] is None
    assert sample["errors"] == ["list_actors: timed out"]
