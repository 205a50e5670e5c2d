"""The event derivation on small hand-made samples: the cases real runs rarely show."""

from __future__ import annotations

from gangplank_record.derive import EventDeriver
from gangplank_record.jsontypes import Json


def sample(t: float, **parts: object) -> Json:
    base: Json = {
        "t": t,
        "controller": {"alive": True, "actor_id": "c1", "pid": 10, "num_restarts": 0},
        "nodes": [{"node_id": "n1", "alive": True}],
        "applications": [],
        "placement_groups": [],
        "actor_deaths": [],
    }
    base.update(parts)
    return base


def app(*replicas: Json, status: str = "RUNNING") -> list[Json]:
    dep = {"name": "G", "status": "HEALTHY", "status_trigger": "", "message": "", "target_num_replicas": 2}
    return [{"name": "app", "status": status, "deployments": [{**dep, "replicas": list(replicas)}]}]


def replica(replica_id: str, state: str, gang_id: str | None = "g1", rank: int | None = 0) -> Json:
    return {"replica_id": replica_id, "state": state, "node_id": "n1", "gang_id": gang_id, "rank": rank}


def kinds(events: list[Json]) -> list[str]:
    return [e["kind"] for e in events]


def deriver() -> EventDeriver:
    return EventDeriver(alias=lambda node_id: {"n1": "w1", "n2": "w2"}.get(node_id or "", node_id))


def test_a_failed_read_keeps_the_last_known_state() -> None:
    d = deriver()
    d.derive(sample(0.0, applications=app(replica("r1", "RUNNING"))))
    assert d.derive(sample(0.5, applications=None, nodes=None, placement_groups=None)) == []
    assert d.derive(sample(1.0, applications=app(replica("r1", "RUNNING")))) == []


def test_replica_lifecycle_events_carry_gang_and_node() -> None:
    d = deriver()
    first = d.derive(sample(0.0, applications=app(replica("r1", "STARTING"))))
    assert kinds(first) == ["node_added", "app_added", "deployment_added", "replica_added"]
    [change] = d.derive(sample(0.5, applications=app(replica("r1", "RUNNING"))))
    assert change == {
        "t": 0.5,
        "kind": "replica_state",
        "app": "app",
        "deployment": "G",
        "replica": "r1",
        "gang_id": "g1",
        "rank": 0,
        "node": "w1",
        "from": "STARTING",
        "to": "RUNNING",
    }
    [gone] = d.derive(sample(1.0, applications=app()))
    assert (gone["kind"], gone["from"]) == ("replica_removed", "RUNNING")
    assert kinds(d.derive(sample(1.5, applications=[]))) == ["app_deleted"]


def test_a_controller_crash_between_samples_is_a_restart() -> None:
    d = deriver()
    d.derive(sample(0.0))
    restarted = {"alive": True, "actor_id": "c1", "pid": 11, "num_restarts": 1}
    assert kinds(d.derive(sample(0.5, controller=restarted))) == ["controller_down", "controller_up"]
    down = {"alive": False, "actor_id": "c1", "pid": None, "num_restarts": 1}
    assert kinds(d.derive(sample(1.0, controller=down))) == ["controller_down"]
    [up] = d.derive(sample(1.5, controller={"alive": True, "actor_id": "c2", "pid": 12, "num_restarts": 0}))
    assert (up["kind"], up["restarted"]) == ("controller_up", True)


def test_a_node_that_dies_and_comes_back() -> None:
    d = deriver()
    d.derive(sample(0.0))
    assert d.derive(sample(0.5, nodes=[{"node_id": "n1", "alive": False}])) == [
        {"t": 0.5, "kind": "node_dead", "node": "w1"}
    ]
    assert kinds(d.derive(sample(1.0))) == ["node_added"]


def death(replica_id: str, reason: str = "RAY_KILL") -> Json:
    return {"actor_id": f"a-{replica_id}", "app": "app", "deployment": "G", "replica": replica_id, "reason": reason}


def test_who_ended_a_replica() -> None:
    d = deriver()
    d.derive(sample(0.0, applications=app(replica("r1", "RUNNING"), replica("r2", "RUNNING", rank=1))))
    # Seen together: the one Serve still lists as RUNNING died first (the user's kill); the second death in the
    # same gang is the controller's teardown even though Serve had already dropped it.
    died = d.derive(sample(0.5, applications=app(replica("r1", "RUNNING")), actor_deaths=[death("r2"), death("r1")]))
    verdicts = {e["replica"]: e["by_controller"] for e in died if e["kind"] == "replica_actor_died"}
    assert verdicts == {"r1": False, "r2": True}


def test_a_death_while_stopping_is_the_controllers() -> None:
    d = deriver()
    d.derive(sample(0.0, applications=app(replica("r1", "STOPPING", gang_id=None, rank=None))))
    [died] = d.derive(
        sample(0.5, applications=app(replica("r1", "STOPPING", gang_id=None)), actor_deaths=[death("r1")])
    )
    assert (died["by_controller"], died["serve_state"]) == (True, "STOPPING")


def test_a_death_seen_after_serve_dropped_the_replica_is_unknown() -> None:
    d = deriver()
    d.derive(sample(0.0, applications=app(replica("r1", "RUNNING", gang_id=None, rank=None))))
    d.derive(sample(0.5, applications=app()))
    [died] = d.derive(sample(1.0, applications=app(), actor_deaths=[death("r1")]))
    assert (died["by_controller"], died["serve_state"]) == (None, "RUNNING")


def test_placement_group_lifecycle() -> None:
    d = deriver()
    pg = {"placement_group_id": "p1", "name": "SERVE_GANG::app_G_0_abcd1234", "gang_id": "abcd1234"}
    [created] = d.derive(sample(0.0, placement_groups=[{**pg, "state": "PENDING", "bundle_nodes": [None, None]}]))[1:]
    assert (created["kind"], created["nodes"]) == ("pg_created", [None, None])
    [placed] = d.derive(sample(0.5, placement_groups=[{**pg, "state": "CREATED", "bundle_nodes": ["n1", "n2"]}]))
    assert (placed["kind"], placed["from"], placed["to"]) == ("pg_state", "PENDING", "CREATED")
    [removed] = d.derive(sample(1.0, placement_groups=[]))
    assert (removed["kind"], removed["gang_id"], removed["from"]) == ("pg_removed", "abcd1234", "CREATED")


def test_serve_starting_after_the_recorder_is_not_a_restart() -> None:
    d = deriver()
    none_yet = {"alive": False, "actor_id": None, "pid": None, "num_restarts": None}
    assert d.derive(sample(0.0, controller=none_yet))[1:] == []
    assert d.derive(sample(0.5)) == []
