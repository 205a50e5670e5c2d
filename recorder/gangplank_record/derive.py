"""Events from consecutive samples: what changed between the last known state and this sample.

A section that could not be read in a sample (null) produces no events and keeps its last known state, so a
failed read never looks like everything vanishing. Pure: unit tests feed it recorded samples."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from gangplank_record.jsontypes import Json

# A replica Serve is stopping; a death seen in this state was the controller's own stop.
_STOPPING = "STOPPING"


@dataclass
class EventDeriver:
    alias: Callable[[str | None], str | None]
    controller: Json | None = None
    nodes: dict[str, bool] = field(default_factory=dict)
    apps: dict[str, Json] = field(default_factory=dict)
    replicas: dict[tuple[str, str, str], Json] = field(default_factory=dict)
    pgs: dict[str, Json] = field(default_factory=dict)
    # Every replica ever seen, with its last state: deaths are often seen after Serve dropped the replica.
    last_seen: dict[tuple[str, str, str], Json] = field(default_factory=dict)
    # Gangs one of whose members' actors has died: a later death in the same gang is the controller's teardown.
    gangs_hit: set[str] = field(default_factory=set)

    def derive(self, sample: Json) -> list[Json]:
        t = sample["t"]
        events: list[Json] = []
        if sample.get("nodes") is not None:
            events += self._nodes(sample["nodes"])
        events += self._controller(sample.get("controller") or {})
        if sample.get("applications") is not None:
            events += self._applications(sample["applications"])
        if sample.get("placement_groups") is not None:
            events += self._placement_groups(sample["placement_groups"])
        events += self._deaths(sample.get("actor_deaths") or [], sample.get("applications"))
        return [{"t": t, **event} for event in events]

    def _nodes(self, nodes: list[Json]) -> list[Json]:
        events = []
        for node in nodes:
            node_id, alive = node["node_id"], bool(node["alive"])
            before = self.nodes.get(node_id)
            if before is None and alive:
                events.append({"kind": "node_added", "node": self.alias(node_id)})
            elif before is None and not alive:
                pass  # dead before we first saw it: part of the cluster's history, not of this recording
            elif before and not alive:
                events.append({"kind": "node_dead", "node": self.alias(node_id)})
            elif not before and alive:
                events.append({"kind": "node_added", "node": self.alias(node_id)})
            self.nodes[node_id] = alive
        return events

    def _controller(self, now: Json) -> list[Json]:
        if now.get("alive") is None:
            return []
        before, self.controller = self.controller, now
        if before is None or before.get("actor_id") is None:
            # Serve's first controller (or none yet, before `serve start`): a start, not a restart or a crash.
            return [{"kind": "controller_down"}] if now.get("actor_id") and not now["alive"] else []
        if before["alive"] and not now["alive"]:
            return [{"kind": "controller_down"}]
        restarted = any(before.get(k) != now.get(k) for k in ("actor_id", "pid", "num_restarts"))
        if now["alive"] and (not before["alive"] or restarted):
            if before["alive"]:  # down and up again between two samples
                return [{"kind": "controller_down"}, {"kind": "controller_up", "restarted": True}]
            return [{"kind": "controller_up", "restarted": restarted}]
        return []

    def _replica_fields(self, app: str, dep: str, replica: Json) -> Json:
        return {
            "app": app,
            "deployment": dep,
            "replica": replica["replica_id"],
            "gang_id": replica.get("gang_id"),
            "rank": replica.get("rank"),
            "node": self.alias(replica.get("node_id")),
        }

    def _applications(self, apps: list[Json]) -> list[Json]:
        events: list[Json] = []
        now_apps = {a["name"]: a for a in apps}
        now_replicas: dict[tuple[str, str, str], Json] = {}
        for name, app in now_apps.items():
            before = self.apps.get(name)
            if before is None:
                events.append({"kind": "app_added", "app": name})
            elif before.get("status") != app.get("status"):
                events.append({"kind": "app_status", "app": name, "from": before.get("status"), "to": app["status"]})
            before_deps = {d["name"]: d for d in (before or {}).get("deployments", [])}
            for dep in app["deployments"]:
                events += self._deployment(name, dep, before_deps.get(dep["name"]))
                for replica in dep["replicas"]:
                    now_replicas[(name, dep["name"], replica["replica_id"])] = replica
            for gone in sorted(set(before_deps) - {d["name"] for d in app["deployments"]}):
                events.append({"kind": "deployment_deleted", "app": name, "deployment": gone})
        for key, replica in now_replicas.items():
            before_replica = self.replicas.get(key)
            fields = self._replica_fields(key[0], key[1], replica)
            if before_replica is None:
                events.append({"kind": "replica_added", **fields, "to": replica["state"]})
            elif before_replica["state"] != replica["state"]:
                events.append(
                    {"kind": "replica_state", **fields, "from": before_replica["state"], "to": replica["state"]}
                )
            self.last_seen[key] = replica
        for key in sorted(set(self.replicas) - set(now_replicas)):
            replica = self.replicas[key]
            events.append(
                {"kind": "replica_removed", **self._replica_fields(*key[:2], replica), "from": replica["state"]}
            )
        for gone in sorted(set(self.apps) - set(now_apps)):
            events.append({"kind": "app_deleted", "app": gone})
        self.apps, self.replicas = now_apps, now_replicas
        return events

    def _deployment(self, app: str, dep: Json, before: Json | None) -> list[Json]:
        where = {"app": app, "deployment": dep["name"]}
        if before is None:
            return [{"kind": "deployment_added", **where}]
        events = []
        if before.get("status") != dep.get("status"):
            events.append(
                {
                    "kind": "deployment_status",
                    **where,
                    "from": before.get("status"),
                    "to": dep.get("status"),
                    "trigger": dep.get("status_trigger"),
                    "message": dep.get("message") or "",
                }
            )
        if before.get("target_num_replicas") != dep.get("target_num_replicas"):
            events.append(
                {
                    "kind": "target_changed",
                    **where,
                    "from": before.get("target_num_replicas"),
                    "to": dep.get("target_num_replicas"),
                }
            )
        return events

    def _placement_groups(self, pgs: list[Json]) -> list[Json]:
        events: list[Json] = []
        now = {pg["placement_group_id"]: pg for pg in pgs}
        for pg_id, pg in now.items():
            before = self.pgs.get(pg_id)
            if before is None:
                events.append(
                    {
                        "kind": "pg_created",
                        "placement_group_id": pg_id,
                        "name": pg.get("name"),
                        "gang_id": pg.get("gang_id"),
                        "app": pg.get("app"),
                        "deployment": pg.get("deployment"),
                        "strategy": pg.get("strategy"),
                        "state": pg.get("state"),
                        "nodes": [self.alias(n) for n in pg.get("bundle_nodes") or []],
                    }
                )
            elif before.get("state") != pg.get("state"):
                events.append(
                    {
                        "kind": "pg_state",
                        "placement_group_id": pg_id,
                        "gang_id": pg.get("gang_id"),
                        "from": before.get("state"),
                        "to": pg.get("state"),
                    }
                )
        for pg_id in sorted(set(self.pgs) - set(now)):
            before = self.pgs[pg_id]
            events.append(
                {
                    "kind": "pg_removed",
                    "placement_group_id": pg_id,
                    "gang_id": before.get("gang_id"),
                    "from": before.get("state"),
                }
            )
        self.pgs = now
        return events

    def _deaths(self, deaths: list[Json], apps: list[Json] | None) -> list[Json]:
        events = []

        def serving_first(death: Json) -> int:
            # Of several deaths seen at once, one Serve still lists as serving came first.
            listed = self.replicas.get((death["app"], death["deployment"], death["replica"]))
            return 0 if listed is not None and listed.get("state") != _STOPPING else 1

        for death in sorted(deaths, key=serving_first):
            key = (death["app"], death["deployment"], death["replica"])
            listed = self.replicas.get(key) if apps is not None else None
            replica = listed or self.last_seen.get(key)
            serve_state = replica.get("state") if replica else None
            # Ray reports RAY_KILL both for a user's ray.kill and for the controller's own stop of a replica;
            # Serve's state read just before tells them apart (source.py reads Serve before the actors).
            gang_id = (replica or {}).get("gang_id")
            if serve_state == _STOPPING:
                by_controller: bool | None = True
            elif death.get("reason") == "NODE_DIED":
                by_controller = False
            elif gang_id is not None and gang_id in self.gangs_hit:
                by_controller = True  # a member of this gang died before: the controller tears down the rest
            elif listed is not None:
                by_controller = False
            else:
                by_controller = None  # Serve had already dropped it: the recording cannot tell
            if gang_id is not None:
                self.gangs_hit.add(gang_id)
            fields = self._replica_fields(key[0], key[1], replica or {"replica_id": key[2]})
            events.append(
                {
                    "kind": "replica_actor_died",
                    **fields,
                    "actor_id": death["actor_id"],
                    "death_reason": death.get("reason"),
                    "death_cause": death.get("message") or "",
                    "serve_state": serve_state,
                    "by_controller": by_controller,
                }
            )
        return events
