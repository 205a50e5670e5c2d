"""Reads one raw sample from a live cluster through Ray's public APIs (the only module that talks to Ray).

- Serve's instance details: the dashboard's REST API `GET /api/serve/applications/` (what `serve status` and the
  dashboard read; Ray has no public Python call that returns the replicas).
- Actors: `ray.util.state.list_actors(detail=True)` in Serve's namespace (state, pid, placement group, the
  resources that name the bundle, the death cause).
- Nodes: `ray.util.state.list_nodes(detail=True)` (alive/dead, resources, labels).
- Placement groups: `ray.util.placement_group_table()` (bundles, their nodes, strategy, state).

Serve's details are read first and the actors second, so an actor seen DEAD was dead after the Serve state read
in the same sample (derive.py relies on that order to tell a killed replica from one Serve was stopping).
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from typing import Any

from gangplank_record.jsontypes import Json

# The state API refuses more by default (RAY_MAX_LIMIT_FROM_API_SERVER).
STATE_API_LIMIT = 10_000
SERVE_DETAILS_PATH = "/api/serve/applications/"
_ACTOR_KEYS = (
    "actor_id",
    "class_name",
    "name",
    "state",
    "node_id",
    "pid",
    "placement_group_id",
    "required_resources",
    "death_cause",
    "num_restarts",
)
_NODE_KEYS = ("node_id", "is_head_node", "state", "resources_total", "labels", "start_time_ms")
_PG_KEYS = ("placement_group_id", "name", "bundles", "bundles_to_node_id", "strategy", "state")


def serve_details_url(dashboard_url: str) -> str:
    base = dashboard_url if "://" in dashboard_url else f"http://{dashboard_url}"
    return base.rstrip("/") + SERVE_DETAILS_PATH


def fetch_serve_details(dashboard_url: str, timeout_s: float) -> Json:
    """Serve's instance details; raises OSError/ValueError with the reason when they cannot be read."""
    with urllib.request.urlopen(serve_details_url(dashboard_url), timeout=timeout_s) as response:
        body: Any = json.loads(response.read().decode("utf-8"))
    if not isinstance(body, dict):
        raise ValueError("the Serve REST API did not answer with a JSON object")
    return body


def _describe(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0][:200] if text else ''}"


class RaySource:
    """One connected cluster; `read()` never raises for a read that fails: it notes it in `errors`."""

    def __init__(self, dashboard_url: str, timeout_s: float, internal_state: bool) -> None:
        self.dashboard_url = dashboard_url
        self.timeout_s = timeout_s
        self.internal_state = internal_state

    def read(self) -> Json:
        from ray.util import placement_group_table
        from ray.util.state import list_actors, list_nodes

        raw: Json = {"wall": time.time(), "errors": []}
        try:
            raw["details"] = fetch_serve_details(self.dashboard_url, self.timeout_s)
        except (OSError, ValueError, urllib.error.URLError) as error:
            raw["details"] = None
            raw["errors"].append(f"serve details ({serve_details_url(self.dashboard_url)}): {_describe(error)}")
        try:
            actors = list_actors(
                filters=[("ray_namespace", "=", "serve")],
                detail=True,
                limit=STATE_API_LIMIT,
                timeout=int(max(1, self.timeout_s)),
                raise_on_missing_output=False,
            )
            raw["actors"] = [_pick(actor.asdict(), _ACTOR_KEYS) for actor in actors]
        except Exception as error:  # the state API raises many kinds (RayStateApiException, timeouts, gRPC)
            raw["actors"] = None
            raw["errors"].append(f"list_actors: {_describe(error)}")
        try:
            nodes = list_nodes(detail=True, limit=STATE_API_LIMIT, timeout=int(max(1, self.timeout_s)))
            raw["nodes"] = [_pick(node.asdict(), _NODE_KEYS) for node in nodes]
        except Exception as error:
            raw["nodes"] = None
            raw["errors"].append(f"list_nodes: {_describe(error)}")
        try:
            table = placement_group_table()
            raw["pgs"] = {pg_id: _pick(pg, _PG_KEYS) for pg_id, pg in table.items()}
        except Exception as error:
            raw["pgs"] = None
            raw["errors"].append(f"placement_group_table: {_describe(error)}")
        if self.internal_state:
            raw["internal"] = read_internal_gang_state(raw.get("details"), raw["errors"])
        return raw


def _pick(record: Json, keys: tuple[str, ...]) -> Json:
    return {key: record.get(key) for key in keys}


def read_internal_gang_state(details: Json | None, errors: list[str]) -> Json | None:
    """Opt-in (--internal-state): each replica's gang context as the controller holds it, read through the
    controller's private test hook `_dump_replica_states_for_testing`. Not a public API: it may change in any Ray
    release. Returns {"app/deployment/replica_id": {gang_id, rank, world_size}}."""
    if not details:
        return None
    try:
        import ray
        from ray.serve._private.common import DeploymentID

        controller = ray.get_actor("SERVE_CONTROLLER_ACTOR", namespace="serve")
        out: Json = {}
        for app_name, app in (details.get("applications") or {}).items():
            for dep_name in app.get("deployments") or {}:
                container = ray.get(
                    controller._dump_replica_states_for_testing.remote(DeploymentID(name=dep_name, app_name=app_name)),
                    timeout=5,
                )
                for replica in container.get():
                    gang = getattr(replica, "gang_context", None)
                    if gang is None:
                        continue
                    key = f"{app_name}/{dep_name}/{replica.replica_id.unique_id}"
                    out[key] = {"gang_id": gang.gang_id, "rank": gang.rank, "world_size": gang.world_size}
        return out
    except Exception as error:
        errors.append(f"internal state (_dump_replica_states_for_testing): {_describe(error)}")
        return None
