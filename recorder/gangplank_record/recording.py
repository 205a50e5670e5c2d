"""The whole recording: the cluster's nodes (with aliases), the deployments' configs, the samples and the events,
assembled sample by sample. Pure apart from what it is given: the raw samples and their times."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from gangplank_record import FORMAT, __version__
from gangplank_record.derive import EventDeriver
from gangplank_record.jsontypes import Json
from gangplank_record.snapshot import SnapshotContext, build_sample, deployment_config

# Resources that say nothing about scheduling Serve replicas (per-node markers, memory sizes).
_UNRECORDED_RESOURCES = ("memory", "object_store_memory")

ALWAYS = [
    "Events are derived from differences between samples taken every period_s: a state held for less than a "
    "period may be missed, and event times are the sample's time (up to one period late).",
    "Serve's replica states come from the dashboard's REST API; the controller's reasons (health-check failures, "
    "its decisions) are not exposed publicly and are not recorded.",
    "replica_actor_died.by_controller is inferred from the last Serve state seen before the death (Ray reports "
    "RAY_KILL for a user's ray.kill and for the controller's own stop alike); null when Serve had already "
    "dropped the replica.",
]
GANG_RANKS = (
    "rank is read from the bundle index that the actor's required resources name (CPU_group_<i>_<pg>) and "
    "Ray 2.60's rule rank = bundle / bundles_per_replica; it is null until the actor is submitted."
)
INTERNAL = (
    "--internal-state: gang_id, rank and world_size come from the controller's private test hook "
    "_dump_replica_states_for_testing (not a public API)."
)


def iso(wall: float) -> str:
    moment = datetime.datetime.fromtimestamp(wall, tz=datetime.timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


@dataclass
class Recording:
    ray_version: str
    gangs_supported: bool
    period_s: float
    started_wall: float
    internal_state: bool = False
    app_filter: list[str] | None = None
    samples: list[Json] = field(default_factory=list)
    events: list[Json] = field(default_factory=list)
    nodes: dict[str, Json] = field(default_factory=dict)
    apps: dict[str, Json] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        filt = frozenset(self.app_filter) if self.app_filter else None
        self._ctx = SnapshotContext(app_filter=filt, gangs_supported=self.gangs_supported)
        self._deriver = EventDeriver(alias=self.alias)

    def alias(self, node_id: str | None) -> str | None:
        if node_id is None:
            return None
        node = self.nodes.get(node_id)
        return str(node["alias"]) if node else node_id[:8]

    def add(self, raw: Json, t: float) -> Json:
        """Adds one raw sample taken t seconds after the start; returns the recorded sample."""
        self._learn_nodes(raw.get("nodes"))
        self._learn_configs(raw.get("details"), t)
        sample = build_sample(raw, t, self._ctx)
        self.samples.append(sample)
        self.events += self._deriver.derive(sample)
        self._note_unknown_ranks(sample)
        return sample

    def _learn_nodes(self, nodes: list[Json] | None) -> None:
        ordered = sorted(nodes or [], key=lambda n: (not n.get("is_head_node"), float(n.get("start_time_ms") or 0)))
        for node in ordered:
            node_id = str(node.get("node_id"))
            if node_id in self.nodes:
                continue
            workers = sum(1 for n in self.nodes.values() if not n["is_head"])
            is_head = bool(node.get("is_head_node"))
            resources = {
                k: float(v)
                for k, v in sorted((node.get("resources_total") or {}).items())
                if k not in _UNRECORDED_RESOURCES and not k.startswith("node:")
            }
            self.nodes[node_id] = {
                "node_id": node_id,
                "alias": "head" if is_head else f"w{workers + 1}",
                "is_head": is_head,
                "resources": resources,
                "labels": dict(node.get("labels") or {}),
            }

    def _learn_configs(self, details: Json | None, t: float) -> None:
        for app_name, app in sorted(((details or {}).get("applications") or {}).items()):
            if not self._ctx.wants(app_name):
                continue
            entry = self.apps.setdefault(
                app_name, {"name": app_name, "route_prefix": app.get("route_prefix"), "deployments": []}
            )
            known = {d["name"]: d for d in entry["deployments"]}
            for dep_name, dep in sorted((app.get("deployments") or {}).items()):
                config = deployment_config(dep)
                if dep_name not in known:
                    entry["deployments"].append({"name": dep_name, "config": config})
                    continue
                latest = (known[dep_name].get("config_changes") or [{"config": known[dep_name]["config"]}])[-1]
                if latest["config"] != config:
                    known[dep_name].setdefault("config_changes", []).append({"t": round(t, 3), "config": config})

    def _note_unknown_ranks(self, sample: Json) -> None:
        for app in sample.get("applications") or []:
            for dep in app["deployments"]:
                for replica in dep["replicas"]:
                    gang_pg = replica.get("gang_id") is not None
                    if gang_pg and replica.get("rank") is None and replica.get("state") == "RUNNING":
                        self._note(
                            f"rank unknown for RUNNING replica {replica['replica_id']} of {app['name']}/{dep['name']} "
                            "at t={}: its actor names no single bundle of its gang's group".format(sample["t"])
                        )

    def _note(self, text: str) -> None:
        if text not in self.notes and len(self.notes) < 50:
            self.notes.append(text)

    def limitations(self) -> list[str]:
        out = list(ALWAYS)
        if self.gangs_supported:
            out.append(GANG_RANKS)
        else:
            out.append(
                f"Ray {self.ray_version} has no Serve gang scheduling: replicas are recorded as plain replicas; "
                "gang_id, rank and world_size are null."
            )
        if self.internal_state:
            out.append(INTERNAL)
        return out + self.notes

    def document(self, ended_wall: float) -> Json:
        duration = self.samples[-1]["t"] if self.samples else 0.0
        doc: dict[str, Any] = {
            "format": FORMAT,
            "ray_version": self.ray_version,
            "recorder": {
                "version": __version__,
                "period_s": self.period_s,
                "internal_state": self.internal_state,
                "app_filter": self.app_filter,
            },
            "started_at": iso(self.started_wall),
            "ended_at": iso(ended_wall),
            "duration_s": round(duration, 3),
            "gangs_supported": self.gangs_supported,
            "limitations": self.limitations(),
            "cluster": {"nodes": list(self.nodes.values())},
            "applications": list(self.apps.values()),
            "samples": self.samples,
            "events": self.events,
        }
        return doc
