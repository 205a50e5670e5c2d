"""A private local Ray cluster for the integration test and the fixture recordings: its own temp dir (RAY_TMPDIR,
so `address="auto"` of anyone else on this machine is never touched) and its own ports; every Ray process it
started is gone when it exits, also on failure and Ctrl-C."""

from __future__ import annotations

import atexit
import contextlib
import os
import random
import shutil
import signal
import socket
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import Any

# The cluster's processes inherit these. Serve kills a proxy that is not ready within 5 s
# (RAY_SERVE_PROXY_READY_CHECK_TIMEOUT_S, serve/_private/proxy_state.py), and serve.start() then fails with
# ActorDiedError: on a loaded 2-core machine the proxy took longer. The recordings are about replicas and gangs, not
# the proxy, so it gets 30 s.
CLUSTER_ENV = {"RAY_SERVE_PROXY_READY_CHECK_TIMEOUT_S": "30"}

# Serve's health checks as in the oracle traces (../shared/oracle/traces/replica_crash.json meta): node deaths are
# seen after about 3 s, not 30 s.
SYSTEM_CONFIG = {"health_check_period_ms": 1000, "health_check_failure_threshold": 3}


def _ephemeral_low() -> int:
    """The lowest port the kernel hands out for port 0 (Linux: /proc/sys/net/ipv4/ip_local_port_range)."""
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def free_port() -> int:
    """A free port that nothing binding port 0 can take before its user binds it.

    A port the kernel picks (bind to 0) is from the ephemeral range, where Ray's own processes (workers, agents, the
    object manager) bind port 0 while the cluster starts: one of them took the Serve proxy's port in a CI run
    ("Failed to bind to address '127.0.0.1:41377'"). So the port is drawn between Ray's worker ports (10002-19999
    by default) and the ephemeral range, and checked free.
    """
    low, high = 20000, min(_ephemeral_low(), 65536)
    for _ in range(200):
        port = random.randrange(low, high) if high > low else 0
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return int(s.getsockname()[1])
    raise RuntimeError(f"no free port between {low} and {high}")


def processes_under(marker: str) -> list[tuple[int, str]]:
    """(pid, command) of the processes whose command line names `marker` (our temp dir)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if marker in command and int(entry.name) != os.getpid():
            found.append((int(entry.name), command[:120]))
    return found


class LocalCluster:
    def __init__(self, workers: int, cpus_per_worker: int = 2) -> None:
        self.workers_wanted = workers
        self.cpus_per_worker = cpus_per_worker
        self.temp_dir = tempfile.mkdtemp(prefix="gpr-", dir="/tmp")
        # Ray's exit hooks in this process may recreate an empty session dir after __exit__ removed it.
        atexit.register(shutil.rmtree, self.temp_dir, True)
        # Ray's own default under RAY_TMPDIR: where it also writes the address file `ray.init("auto")` reads.
        self.ray_dir = os.path.join(self.temp_dir, "ray")
        os.makedirs(self.ray_dir)
        self.dashboard_port = free_port()
        self.http_port = free_port()
        self.cluster: Any = None
        self.workers: list[Any] = []
        self._saved_env = {name: os.environ.get(name) for name in ("RAY_TMPDIR", *CLUSTER_ENV)}
        self.left_behind: list[tuple[int, str]] = []

    @property
    def address(self) -> str:
        return str(self.cluster.address)

    @property
    def dashboard_url(self) -> str:
        return f"http://127.0.0.1:{self.dashboard_port}"

    def __enter__(self) -> LocalCluster:
        from ray.cluster_utils import Cluster

        os.environ.update({"RAY_TMPDIR": self.temp_dir, **CLUSTER_ENV})
        try:
            self.cluster = Cluster(
                initialize_head=True,
                head_node_args={
                    "num_cpus": 0,
                    "include_dashboard": True,
                    "dashboard_host": "127.0.0.1",
                    "dashboard_port": self.dashboard_port,
                    "gcs_server_port": free_port(),
                    "ray_client_server_port": free_port(),
                    "dashboard_agent_listen_port": free_port(),
                    "temp_dir": self.ray_dir,
                    "_system_config": SYSTEM_CONFIG,
                },
            )
            for _ in range(self.workers_wanted):
                self.add_worker()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def add_worker(self) -> Any:
        node = self.cluster.add_node(num_cpus=self.cpus_per_worker, temp_dir=self.ray_dir)
        self.workers.append(node)
        return node

    def kill_worker(self, node: Any) -> None:
        self.cluster.remove_node(node, allow_graceful=False)
        self.workers.remove(node)

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        import ray

        # Ctrl-C during the clean-up must not leave Ray running: finish it first.
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            try:
                ray.shutdown()
            finally:
                if self.cluster is not None:
                    self.cluster.shutdown()
            self.left_behind = self._wait_gone(15.0)
            for pid, _ in self.left_behind:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
        finally:
            for name, value in self._saved_env.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value
            shutil.rmtree(self.temp_dir, ignore_errors=True)
            signal.signal(signal.SIGINT, previous)

    def _wait_gone(self, timeout_s: float) -> list[tuple[int, str]]:
        deadline = time.monotonic() + timeout_s
        while True:
            left = [p for p in processes_under(self.temp_dir) if "raylet" in p[1] or "gcs_server" in p[1]]
            if not left or time.monotonic() > deadline:
                return left
            time.sleep(0.2)
