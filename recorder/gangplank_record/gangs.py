"""Gangs, ranks and bundles from Ray's public data.

Ray 2.60 names a gang's placement group `SERVE_GANG::{app}_{deployment}_{gang_index}_{gang_id}` (gang_id: the
first 8 hex digits of a uuid4; deployment_scheduler.py `_prepare_gangs_for_deployment`) and starts the member of
rank i at bundle `i * bundles_per_replica` of that group (deployment_state.py `_add_gang_replicas`). The state API
does not give an actor's bundle index as a field, but the resources the actor requires name it: an actor in
bundle i of group G requires `CPU_group_i_G` (and `bundle_group_i_G`). So the rank is read, not guessed, whenever
the actor has been submitted; it is null before that.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

GANG_PG_NAME_PREFIX = "SERVE_GANG::"
_GANG_NAME_TAIL = re.compile(r"_(\d+)_([0-9a-f]{8})$")
_BUNDLE_RESOURCE = re.compile(r"_group_(\d+)_([0-9a-f]+)$")


@dataclass(frozen=True)
class GangName:
    """What a gang placement group's name says. app/deployment are None when the name is ambiguous (an app or
    deployment name with underscores that splits two ways) or names no deployment known to the recorder."""

    gang_id: str
    gang_index: int
    app: str | None
    deployment: str | None


def parse_gang_pg_name(name: str | None, deployments: Iterable[tuple[str, str]]) -> GangName | None:
    """The gang a placement group name denotes, or None when it is not a Serve gang group."""
    if not name or not name.startswith(GANG_PG_NAME_PREFIX):
        return None
    rest = name[len(GANG_PG_NAME_PREFIX) :]
    tail = _GANG_NAME_TAIL.search(rest)
    if tail is None:
        return None
    head = rest[: tail.start()]
    owners = sorted({(app, dep) for app, dep in deployments if head == f"{app}_{dep}"})
    app, dep = owners[0] if len(owners) == 1 else (None, None)
    return GangName(gang_id=tail.group(2), gang_index=int(tail.group(1)), app=app, deployment=dep)


def bundle_index(required_resources: Mapping[str, Any] | None, placement_group_id: str | None) -> int | None:
    """The bundle of `placement_group_id` an actor is placed in, read from its required resources; None when the
    actor names no single bundle of that group (not submitted yet, or scheduled in "any bundle")."""
    if not required_resources or not placement_group_id:
        return None
    indexes = set()
    for key in required_resources:
        match = _BUNDLE_RESOURCE.search(key)
        if match is not None and match.group(2) == placement_group_id:
            indexes.add(int(match.group(1)))
    return indexes.pop() if len(indexes) == 1 else None


def rank_of(bundle: int | None, bundles_per_replica: int) -> int | None:
    """Ray 2.60 starts rank i at bundle i * bundles_per_replica; any other bundle is not a member's first one."""
    if bundle is None or bundles_per_replica < 1 or bundle % bundles_per_replica != 0:
        return None
    return bundle // bundles_per_replica


def bundles_per_replica(config: Mapping[str, Any]) -> int:
    """How many bundles of a gang group one replica takes: its own placement_group_bundles, else one."""
    bundles = config.get("placement_group_bundles")
    return len(bundles) if isinstance(bundles, list) and bundles else 1


def gang_size(config: Mapping[str, Any]) -> int | None:
    """The deployment's gang_size, or None when it is not gang scheduled."""
    gang = config.get("gang_scheduling_config")
    if isinstance(gang, Mapping) and isinstance(gang.get("gang_size"), int):
        return int(gang["gang_size"])
    return None
