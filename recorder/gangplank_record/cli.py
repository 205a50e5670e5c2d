"""`python -m gangplank_record --address auto --out run.json`: samples a Ray Serve cluster until Ctrl-C, SIGTERM or
--duration, and keeps run.json complete the whole time (rewritten atomically every few seconds)."""

from __future__ import annotations

import argparse
import json
import math
import signal
import socket
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from types import FrameType
from typing import TextIO

from gangplank_record.jsontypes import Json
from gangplank_record.recording import Recording
from gangplank_record.source import RaySource, fetch_serve_details, serve_details_url
from gangplank_record.writer import write_atomic

# The file is rewritten at most this often (and at the end): a kill -9 loses at most this much (more for a file so
# big that rewriting it takes over a tenth of that).
WRITE_EVERY_S = 2.0
EXIT_USAGE = 2
EXIT_UNREACHABLE = 3


class UsageError(Exception):
    """Bad arguments: the message says which and why."""


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m gangplank_record",
        description="Record a Ray Serve cluster into gangplank.recording/v1 (docs/recording-format.md). "
        "Stop with Ctrl-C: the file is complete at every moment.",
    )
    parser.add_argument("--address", default="auto", help="Ray cluster address (default: auto)")
    parser.add_argument("--out", required=True, help="the recording to write, e.g. run.json")
    parser.add_argument("--period", type=float, default=0.5, help="seconds between samples (default 0.5)")
    parser.add_argument("--duration", type=float, default=None, help="stop after this many seconds")
    parser.add_argument("--app", action="append", default=None, metavar="NAME", help="record only this app (repeat)")
    parser.add_argument("--dashboard-url", default=None, help="the dashboard's URL (default: the cluster's)")
    parser.add_argument(
        "--internal-state",
        action="store_true",
        help="also read gang ranks from the Serve controller's private state (not a public API; marked in the file)",
    )
    parser.add_argument("--timeout", type=float, default=5.0, help="seconds before one read of Ray gives up")
    parser.add_argument("--raw-out", default=None, help=argparse.SUPPRESS)  # JSON lines of raw samples: test fixtures
    args = parser.parse_args(argv)
    check_args(args)
    return args


def check_args(args: argparse.Namespace) -> None:
    if not (0.05 <= args.period <= 3600):
        raise UsageError(f"--period {args.period}: must be between 0.05 and 3600 seconds")
    if args.duration is not None and args.duration <= 0:
        raise UsageError(f"--duration {args.duration}: must be more than 0 seconds")
    if args.address == "local":
        raise UsageError("--address local would start a new Ray instance; give the running cluster's address")
    if args.timeout <= 0:
        raise UsageError(f"--timeout {args.timeout}: must be more than 0 seconds")
    out = Path(args.out)
    if out.is_dir():
        raise UsageError(f"--out {args.out}: is a directory; give a file name such as {out / 'run.json'}")
    if not out.parent.resolve().is_dir():
        raise UsageError(f"--out {args.out}: the directory {out.parent} does not exist")
    for name in args.app or []:
        if not name.strip():
            raise UsageError("--app: an empty application name")


def gangs_supported() -> bool:
    """Ray Serve has gang scheduling from the release that ships ray.serve.gang (GangContext)."""
    try:
        import ray.serve.gang  # noqa: F401
    except ImportError:
        return False
    return True


def probe(address: str, timeout_s: float) -> None:
    """Fails fast, with the reason, where ray.init would retry for minutes (an address nothing listens at)."""
    if address.startswith("ray://"):
        return  # Ray Client: ray.init reports its own errors
    try:
        # Private helper, used only to resolve "auto" / RAY_ADDRESS the way ray.init will, for a clear message.
        from ray._private.services import canonicalize_bootstrap_address

        resolved = canonicalize_bootstrap_address(address)
    except ConnectionError as error:
        raise ConnectionError(f"no running Ray cluster found for --address {address}: {error}") from error
    except Exception:
        return  # this Ray resolves differently: leave it to ray.init
    if resolved is None:
        raise ConnectionError(f"no running Ray cluster found for --address {address}")
    host, _, port = resolved.rpartition(":")
    try:
        socket.create_connection((host, int(port)), timeout=timeout_s).close()
    except (OSError, ValueError) as error:
        raise ConnectionError(f"cannot reach a Ray cluster at {resolved} (--address {address}): {error}") from error


def connect(address: str, dashboard_url: str | None, timeout_s: float) -> tuple[str, str]:
    """Connects to the cluster; returns (ray version, dashboard URL) or raises ConnectionError with the reason."""
    import ray

    probe(address, timeout_s)
    try:
        context = ray.init(address=address, logging_level="ERROR", log_to_driver=False, namespace="gangplank_record")
    except Exception as error:
        raise ConnectionError(f"cannot reach a Ray cluster at --address {address}: {error}") from error
    url = dashboard_url or getattr(context, "dashboard_url", None) or ""
    if not url:
        raise ConnectionError(
            "the cluster runs no dashboard: Serve's replica details come from its REST API; start Ray with the "
            "dashboard (include_dashboard) or give --dashboard-url"
        )
    try:
        fetch_serve_details(url, timeout_s)
    except (OSError, ValueError) as error:
        raise ConnectionError(f"cannot read Serve's details at {serve_details_url(url)}: {error}") from error
    return str(ray.__version__), url


def record(args: argparse.Namespace, log: TextIO) -> int:
    import ray

    try:
        ray_version, url = connect(args.address, args.dashboard_url, args.timeout)
    except ConnectionError as error:
        print(f"gangplank_record: {error}", file=log)
        ray.shutdown()
        return EXIT_UNREACHABLE
    stop = threading.Event()

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    out = Path(args.out)
    raw_out = open(args.raw_out, "w", encoding="utf-8") if args.raw_out else None  # noqa: SIM115
    source = RaySource(url, args.timeout, args.internal_state)
    rec = Recording(
        ray_version=ray_version,
        gangs_supported=gangs_supported(),
        period_s=args.period,
        started_wall=time.time(),
        internal_state=args.internal_state,
        app_filter=args.app,
    )
    print(f"gangplank_record: recording Ray {ray_version} every {args.period} s into {out} (Ctrl-C stops)", file=log)
    last_write, size, write_every_s = 0.0, 0, WRITE_EVERY_S
    started_mono = time.monotonic()
    rec.started_wall = time.time()
    try:
        while not stop.is_set():
            t = time.monotonic() - started_mono
            raw = source.read()
            rec.add(raw, t)
            if raw_out is not None:
                raw_out.write(json.dumps({"t": round(t, 3), **raw}, separators=(",", ":")) + "\n")
            if time.monotonic() - last_write >= write_every_s:
                began = time.monotonic()
                size = write_atomic(out, rec.document(time.time()))
                last_write = time.monotonic()
                # A long recording is a big file: keep rewriting it under a tenth of the time.
                write_every_s = max(WRITE_EVERY_S, 10 * (last_write - began))
            if args.duration is not None and t >= args.duration:
                break
            # The next tick on the period's grid: a slow read skips ticks rather than bunching samples up.
            elapsed = time.monotonic() - started_mono
            stop.wait(max(0.0, (math.floor(elapsed / args.period) + 1) * args.period - elapsed))
    finally:
        size = write_atomic(out, rec.document(time.time()))
        if raw_out is not None:
            raw_out.close()
        ray.shutdown()
    print(
        f"gangplank_record: wrote {out}: {len(rec.samples)} samples, {len(rec.events)} events, {size} bytes",
        file=log,
    )
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = parse_args(argv)
    except UsageError as error:
        print(f"gangplank_record: {error}", file=sys.stderr)
        return EXIT_USAGE
    return record(args, sys.stderr)


def replay_raw(
    lines: Sequence[str], period_s: float, ray_version: str, gangs: bool, app_filter: list[str] | None
) -> Json:
    """A recording built from saved raw samples (--raw-out): what the unit tests check the derivation with."""
    rec: Recording | None = None
    raw: Json = {}
    for line in lines:
        if not line.strip():
            continue
        raw = json.loads(line)
        if rec is None:
            rec = Recording(ray_version, gangs, period_s, float(raw["wall"]) - float(raw["t"]), app_filter=app_filter)
        rec.add(raw, float(raw["t"]))
    if rec is None:
        raise ValueError("no raw samples")
    return rec.document(float(raw["wall"]))
