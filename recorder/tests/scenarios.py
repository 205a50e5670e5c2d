"""Real-Ray scenarios shared by the integration test and make_recordings.py: deploy, wait, inject one fault, wait
for Serve to recover, with the recorder running as a separate process (as a user runs it)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gangplank_record.jsontypes import Json
from gangplank_record.source import fetch_serve_details
from tests.ray_cluster import LocalCluster

# As in the oracle traces (../shared/oracle/traces/replica_crash.json): quick health checks and shutdowns.
TIMINGS: Json = {
    "health_check_period_s": 1,
    "health_check_timeout_s": 5,
    "graceful_shutdown_timeout_s": 2,
    "graceful_shutdown_wait_loop_s": 0.5,
}
APP = "app"
DEPLOYMENT = "G"


@dataclass
class Run:
    cluster: LocalCluster
    out: Path
    raw_out: Path | None
    period_s: float
    recorder: subprocess.Popen[bytes] | None = None
    notes: Json = field(default_factory=dict)


def wait_until(what: str, check: Callable[[], bool], timeout_s: float = 90.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError(f"waited {timeout_s} s for: {what}")
        time.sleep(0.25)


def replicas(run: Run, app: str = APP, deployment: str = DEPLOYMENT) -> list[Json]:
    details = fetch_serve_details(run.cluster.dashboard_url, 5)
    dep = (details.get("applications") or {}).get(app, {}).get("deployments", {}).get(deployment) or {}
    return list(dep.get("replicas") or [])


def all_running(run: Run, count: int) -> bool:
    try:
        now = replicas(run)
    except OSError:
        return False
    return len(now) == count and all(r["state"] == "RUNNING" for r in now)


def deploy(run: Run, options: Json) -> None:
    import ray
    from ray import serve

    ray.init(address=run.cluster.address, logging_level="ERROR", log_to_driver=False)
    serve.start(http_options={"host": "127.0.0.1", "port": run.cluster.http_port}, proxy_location="HeadOnly")

    deployment = serve.deployment(Echo, name=DEPLOYMENT, ray_actor_options={"num_cpus": 1}, **TIMINGS, **options)
    serve.run(deployment.bind(), name=APP, route_prefix="/")


class Echo:
    def __call__(self, request: Any) -> str:
        return "ok"


def start_recorder(run: Run, *extra: str) -> None:
    command = [
        sys.executable,
        "-m",
        "gangplank_record",
        "--address",
        run.cluster.address,
        "--dashboard-url",
        run.cluster.dashboard_url,
        "--out",
        str(run.out),
        "--period",
        str(run.period_s),
    ]
    if run.raw_out is not None:
        command += ["--raw-out", str(run.raw_out)]
    command += extra
    env = dict(os.environ, RAY_TMPDIR=run.cluster.temp_dir)
    run.recorder = subprocess.Popen(command, env=env, cwd=Path(__file__).resolve().parents[1])
    wait_until("the recorder's first file", run.out.exists, 60)


def stop_recorder(run: Run, how: int = signal.SIGINT) -> int:
    """SIGINT (Ctrl-C) by default; returns the recorder's exit code."""
    assert run.recorder is not None
    run.recorder.send_signal(how)
    try:
        return run.recorder.wait(timeout=60)
    except subprocess.TimeoutExpired:
        run.recorder.kill()
        raise


def kill_recorder(run: Run) -> None:
    if run.recorder is not None and run.recorder.poll() is None:
        run.recorder.kill()
        run.recorder.wait()


def kill_replica_actor(run: Run, replica: Json) -> None:
    import ray

    ray.kill(ray.get_actor(replica["actor_name"], namespace="serve"), no_restart=True)


def settle(seconds: float) -> None:
    time.sleep(seconds)


def pack_replica_kill(run: Run) -> None:
    """Gang of 2, 4 replicas, PACK: kill one member; Serve stops its gang and starts a new one."""
    options = {"num_replicas": 4, "gang_scheduling_config": {"gang_size": 2, "gang_placement_strategy": "PACK"}}
    start_recorder(run)
    deploy(run, options)
    wait_until("4 replicas RUNNING", lambda: all_running(run, 4))
    settle(1.5)
    victim = sorted(replicas(run), key=lambda r: str(r["replica_id"]))[0]
    run.notes["killed"] = victim["replica_id"]
    run.notes["before"] = {r["replica_id"] for r in replicas(run)}
    kill_replica_actor(run, victim)
    wait_until("the killed replica gone", lambda: victim["replica_id"] not in {r["replica_id"] for r in replicas(run)})
    wait_until("4 replicas RUNNING again", lambda: all_running(run, 4))
    settle(2.0)


def spread_node_kill(run: Run) -> None:
    """Gang of 2, 4 replicas, SPREAD on 3 workers: kill the node of one member; Serve replaces its gang."""
    options = {"num_replicas": 4, "gang_scheduling_config": {"gang_size": 2, "gang_placement_strategy": "SPREAD"}}
    start_recorder(run)
    deploy(run, options)
    wait_until("4 replicas RUNNING", lambda: all_running(run, 4))
    settle(1.5)
    victim = sorted(replicas(run), key=lambda r: str(r["replica_id"]))[0]
    node = next(w for w in run.cluster.workers if w.node_id == victim["node_id"])
    run.notes["killed_node"] = victim["node_id"]
    run.cluster.kill_worker(node)
    wait_until(
        "the dead node's replicas gone", lambda: victim["node_id"] not in {r.get("node_id") for r in replicas(run)}
    )
    wait_until("4 replicas RUNNING again", lambda: all_running(run, 4), 120)
    settle(2.0)


def controller_crash(run: Run) -> None:
    """Gang of 2, 4 replicas, PACK: the Serve controller crashes and restarts; the replicas live on."""
    import ray

    options = {"num_replicas": 4, "gang_scheduling_config": {"gang_size": 2, "gang_placement_strategy": "PACK"}}
    start_recorder(run)
    deploy(run, options)
    wait_until("4 replicas RUNNING", lambda: all_running(run, 4))
    settle(1.5)
    controller = ray.get_actor("SERVE_CONTROLLER_ACTOR", namespace="serve")
    ray.kill(controller, no_restart=False)
    settle(2.0)
    wait_until("4 replicas RUNNING after the restart", lambda: all_running(run, 4))
    settle(2.0)


def plain_replica_kill(run: Run) -> None:
    """A plain deployment (no gang), 2 replicas: kill one; Serve replaces only it."""
    start_recorder(run)
    deploy(run, {"num_replicas": 2})
    wait_until("2 replicas RUNNING", lambda: all_running(run, 2))
    settle(1.5)
    victim = sorted(replicas(run), key=lambda r: str(r["replica_id"]))[0]
    run.notes["killed"] = victim["replica_id"]
    kill_replica_actor(run, victim)
    wait_until("the killed replica gone", lambda: victim["replica_id"] not in {r["replica_id"] for r in replicas(run)})
    wait_until("2 replicas RUNNING again", lambda: all_running(run, 2))
    settle(2.0)


SCENARIOS: dict[str, tuple[int, Callable[[Run], None]]] = {
    "pack_replica_kill": (3, pack_replica_kill),
    "spread_node_kill": (3, spread_node_kill),
    "controller_crash": (2, controller_crash),
    "plain_replica_kill": (2, plain_replica_kill),
}


def run_scenario(name: str, out: Path, raw_out: Path | None = None, period_s: float = 0.5) -> Run:
    workers, scenario = SCENARIOS[name]
    with LocalCluster(workers) as cluster:
        run = Run(cluster=cluster, out=out, raw_out=raw_out, period_s=period_s)
        try:
            scenario(run)
            run.notes["recorder_exit"] = stop_recorder(run)
        finally:
            kill_recorder(run)
    run.notes["left_behind"] = cluster.left_behind
    return run
