"""Turns one raw sample (source.py) into one recorded sample: Serve's replicas joined with their actors, their
placement groups, gangs and ranks. Pure: unit tests feed it saved raw samples."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from gangplank_record.gangs import (
    GANG_PG_NAME_PREFIX,
    bundle_index,
    bundles_per_replica,
    gang_size,
    parse_gang_pg_name,
    rank_of,
)
from gangplank_record.jsontypes import Json

CONTROLLER_ACTOR_NAME = "SERVE_CONTROLLER_ACTOR"
REPLICA_ACTOR_PREFIX = "SERVE_REPLICA::"
_MESSAGE_MAX = 300


@dataclass
class SnapshotContext:
    """What a sample needs from the samples before it."""

    app_filter: frozenset[str] | None
    gangs_supported: bool
    # Actors already reported dead (or dead before the recording began): a death is reported once.
    seen_dead_actor_ids: set[str] = field(default_factory=set)
    # Placement groups a recorded replica used (non-gang deployments with placement_group_bundles).
    replica_pg_ids: set[str] = field(default_factory=set)
    first: bool = True

    def wants(self, app: str) -> bool:
        return self.app_filter is None or app in self.app_filter


def replica_actor_name(app: str, deployment: str, replica_id: str) -> str:
    return f"{REPLICA_ACTOR_PREFIX}{app}#{deployment}#{replica_id}"


def parse_replica_actor_name(name: str | None) -> tuple[str, str, str] | None:
    if not name or not name.startswith(REPLICA_ACTOR_PREFIX):
        return None
    parts = name[len(REPLICA_ACTOR_PREFIX) :].split("#")
    return (parts[0], parts[1], parts[2]) if len(parts) == 3 else None


def death_of(actor: Json) -> tuple[str | None, str]:
    """(reason, message) from the state API's death_cause: Ray's enum name when it gives one."""
    cause = actor.get("death_cause") or {}
    if "creation_task_failure_context" in cause:
        failure = cause["creation_task_failure_context"] or {}
        text = str(failure.get("formatted_exception_string") or "the actor's constructor raised")
        return "CREATION_TASK_ERROR", text.strip()[:_MESSAGE_MAX]
    context = cause.get("actor_died_error_context") or {}
    reason = context.get("reason")
    message = str(context.get("error_message") or "").strip()
    node_death = context.get("node_death_info") or {}
    if node_death.get("reason_message"):
        message = f"{message} (node: {node_death['reason_message']})".strip()
    return (str(reason) if reason else None), message[:_MESSAGE_MAX]


def _controller(details: Json | None, actors: list[Json] | None) -> Json:
    controllers = [a for a in actors or [] if a.get("name") == CONTROLLER_ACTOR_NAME]
    alive = [a for a in controllers if a.get("state") == "ALIVE"]
    chosen = alive[0] if alive else (controllers[-1] if controllers else None)
    info = (details or {}).get("controller_info") or {}
    if chosen is None:
        return {
            "alive": None if actors is None else False,
            "actor_id": info.get("actor_id"),
            "pid": None,
            "num_restarts": None,
        }
    return {
        "alive": chosen.get("state") == "ALIVE",
        "actor_id": chosen.get("actor_id"),
        "pid": chosen.get("pid") or None,
        "num_restarts": chosen.get("num_restarts"),
    }


def _replica(
    app: str,
    dep: str,
    config: Json,
    detail: Json,
    actors_by_id: dict[str, Json],
    actors_by_name: dict[str, Json],
    pgs: dict[str, Json],
    deployments: list[tuple[str, str]],
    ctx: SnapshotContext,
    internal: Json | None,
) -> Json:
    replica_id = str(detail.get("replica_id"))
    actor = actors_by_id.get(str(detail.get("actor_id"))) or actors_by_name.get(
        replica_actor_name(app, dep, replica_id)
    )
    pg_id = (actor or {}).get("placement_group_id") or None
    bundle = bundle_index((actor or {}).get("required_resources"), pg_id)
    gang_id = rank = world_size = None
    rank_source: str | None = None
    size = gang_size(config) if ctx.gangs_supported else None
    if pg_id:
        ctx.replica_pg_ids.add(pg_id)
        gang = parse_gang_pg_name((pgs.get(pg_id) or {}).get("name"), deployments)
        if gang is not None and size is not None:
            gang_id, world_size = gang.gang_id, size
            rank = rank_of(bundle, bundles_per_replica(config))
            rank_source = "bundle" if rank is not None else None
    known = (internal or {}).get(f"{app}/{dep}/{replica_id}")
    if known:  # --internal-state: the controller's own gang context wins over the inference
        gang_id, rank, world_size = known.get("gang_id"), known.get("rank"), known.get("world_size")
        rank_source = "internal_state"
    return {
        "replica_id": replica_id,
        "state": detail.get("state"),
        "actor_id": detail.get("actor_id") or (actor or {}).get("actor_id"),
        "actor_state": (actor or {}).get("state"),
        "node_id": detail.get("node_id") or (actor or {}).get("node_id"),
        "pid": detail.get("pid") or (actor or {}).get("pid") or None,
        "start_time_s": detail.get("start_time_s"),
        "placement_group_id": pg_id,
        "bundle_index": bundle,
        "gang_id": gang_id,
        "rank": rank,
        "world_size": world_size,
        "rank_source": rank_source,
    }


def deployment_config(detail: Json) -> Json:
    """The deployment's config as Serve's REST API reports it, without its name (the entry has it)."""
    config = dict(detail.get("deployment_config") or {})
    config.pop("name", None)
    return config


def _applications(
    details: Json, actors: list[Json] | None, pgs: dict[str, Json], ctx: SnapshotContext, internal: Json | None
) -> list[Json]:
    actors_by_id = {str(a.get("actor_id")): a for a in actors or []}
    actors_by_name = {str(a.get("name")): a for a in actors or [] if a.get("state") != "DEAD"}
    apps = details.get("applications") or {}
    deployments = [(app, dep) for app, a in apps.items() for dep in (a.get("deployments") or {})]
    out = []
    for app_name in sorted(apps):
        if not ctx.wants(app_name):
            continue
        app = apps[app_name]
        deps = []
        for dep_name in sorted(app.get("deployments") or {}):
            dep = app["deployments"][dep_name]
            config = deployment_config(dep)
            replicas = [
                _replica(app_name, dep_name, config, r, actors_by_id, actors_by_name, pgs, deployments, ctx, internal)
                for r in dep.get("replicas") or []
            ]
            deps.append(
                {
                    "name": dep_name,
                    "status": dep.get("status"),
                    "status_trigger": dep.get("status_trigger"),
                    "message": str(dep.get("message") or "")[:_MESSAGE_MAX],
                    "target_num_replicas": dep.get("target_num_replicas"),
                    "replicas": sorted(replicas, key=lambda r: str(r["replica_id"])),
                }
            )
        out.append(
            {
                "name": app_name,
                "status": app.get("status"),
                "message": str(app.get("message") or "")[:_MESSAGE_MAX],
                "deployments": deps,
            }
        )
    return out


def _placement_groups(pgs: dict[str, Json], deployments: Iterable[tuple[str, str]], ctx: SnapshotContext) -> list[Json]:
    known = list(deployments)
    out = []
    for pg_id in sorted(pgs):
        pg = pgs[pg_id]
        name = pg.get("name") or ""
        if pg.get("state") == "REMOVED":
            continue
        gang = parse_gang_pg_name(name, known)
        is_serve = name.startswith(GANG_PG_NAME_PREFIX) or pg_id in ctx.replica_pg_ids
        if not is_serve or (gang is not None and gang.app is not None and not ctx.wants(gang.app)):
            continue
        bundles = pg.get("bundles") or {}
        on_nodes = pg.get("bundles_to_node_id") or {}
        order = sorted(bundles, key=int)
        out.append(
            {
                "placement_group_id": pg_id,
                "name": name,
                "state": pg.get("state"),
                "strategy": pg.get("strategy"),
                "bundles": [bundles[i] for i in order],
                "bundle_nodes": [on_nodes.get(i) or None for i in order],  # Ray gives "" for a bundle not placed
                "gang_id": gang.gang_id if gang else None,
                "app": gang.app if gang else None,
                "deployment": gang.deployment if gang else None,
            }
        )
    return out


def _actor_deaths(actors: list[Json] | None, ctx: SnapshotContext) -> list[Json]:
    deaths = []
    for actor in actors or []:
        actor_id = str(actor.get("actor_id"))
        owner = parse_replica_actor_name(actor.get("name"))
        if actor.get("state") != "DEAD" or actor_id in ctx.seen_dead_actor_ids or owner is None:
            continue
        ctx.seen_dead_actor_ids.add(actor_id)
        if ctx.first or not ctx.wants(owner[0]):
            continue  # dead before the recording began, or another app's
        reason, message = death_of(actor)
        deaths.append(
            {
                "actor_id": actor_id,
                "app": owner[0],
                "deployment": owner[1],
                "replica": owner[2],
                "reason": reason,
                "message": message,
            }
        )
    return sorted(deaths, key=lambda d: str(d["replica"]))


def build_sample(raw: Json, t: float, ctx: SnapshotContext) -> Json:
    """One recorded sample. Fields that could not be read are null (applications, nodes, placement_groups)."""
    details, actors, pgs = raw.get("details"), raw.get("actors"), raw.get("pgs")
    internal = raw.get("internal")
    apps = details.get("applications") or {} if details is not None else {}
    deployments = [(app, dep) for app, a in apps.items() for dep in (a.get("deployments") or {})]
    sample: Json = {
        "t": round(t, 3),
        "controller": _controller(details, actors),
        "nodes": None
        if raw.get("nodes") is None
        else [
            {"node_id": n.get("node_id"), "alive": n.get("state") == "ALIVE"}
            for n in sorted(raw["nodes"], key=_node_order)
        ],
        "applications": None if details is None else _applications(details, actors, pgs or {}, ctx, internal),
        "placement_groups": None if pgs is None else _placement_groups(pgs, deployments, ctx),
        "actor_deaths": _actor_deaths(actors, ctx),
    }
    errors: list[Any] = raw.get("errors") or []
    if errors:
        sample["errors"] = [str(e) for e in errors]
    ctx.first = False
    return sample


def _node_order(node: Json) -> tuple[bool, float, str]:
    """Head first, then in the order the nodes started: the order the aliases w1, w2... are given in."""
    return (not node.get("is_head_node"), float(node.get("start_time_ms") or 0), str(node.get("node_id")))
