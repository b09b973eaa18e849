"""bots-service: run one Bots service in this process, with clean SIGTERM handling.

    bots-service webserver|jobqueueserver|dirmonitor|engine [-c<config dir>] [bots args...]

Bots (3.3.1 and 4.0) only handles KeyboardInterrupt (SIGINT). Under Kubernetes the stop signal
is SIGTERM, which would kill the long-running services with status 143, and the jobqueue server
would not exit at all after its XML-RPC loop ends (its launcher threads are not daemons). Here
SIGTERM is turned into KeyboardInterrupt for the long-running services, the service's own
shutdown path runs, and the process exits 0; a watchdog ends the process if shutdown hangs
(BOTS_STOP_TIMEOUT s, default 10). The handler is installed before Bots is imported, so a SIGTERM
while the service is still starting also ends it with 0. The engine keeps the default SIGTERM
behaviour and Bots' exit codes (0 ok, 1 system error, 2 EDI/process errors, 3 another engine
running).

bots-dirmonitor exits 1 when the job queue does not answer at its start; in the worker pod both
start together, so the dirmonitor first waits for the queue on localhost (BOTS_JOBQUEUE_WAIT s,
default 60) instead of failing and being restarted by the kubelet.

The webserver and the job queue server also serve Prometheus metrics (bots_runtime.metrics) on
BOTS_METRICS_PORT (default 9464, 0: off) from daemon threads of their own process; a port that
is taken costs the metrics (one warning line), never the service.
"""

from __future__ import annotations

import configparser
import importlib
import os
import signal
import sys
import threading
import time

from .logs import patch_bots_logging
from .paths import config_dir, ensure_usersys_importable

MODULES = {
    "webserver": "bots.webserver",
    "jobqueueserver": "bots.jobqueueserver",
    "dirmonitor": "bots.dirmonitor",
    "engine": "bots.engine",
}
LONG_RUNNING = {"webserver", "jobqueueserver", "dirmonitor"}

_stopping = threading.Event()


def _watchdog(timeout: float) -> None:
    if not _stopping.wait(timeout=None):
        return
    threading.Event().wait(timeout)
    print(f"bots-service: shutdown took longer than {timeout:.0f}s, exiting", file=sys.stderr, flush=True)
    os._exit(0)


def _on_sigterm(signum, frame):
    if _stopping.is_set():
        return
    _stopping.set()
    print("bots-service: SIGTERM received, stopping", file=sys.stderr, flush=True)
    raise KeyboardInterrupt


def _wait_for_jobqueue(args: list[str]) -> None:
    from .healthcheck import check_jobqueue

    cfgdir = next((a[2:] for a in args if a.startswith("-c")), "") or config_dir()
    deadline = time.monotonic() + float(os.environ.get("BOTS_JOBQUEUE_WAIT", "60"))
    ok, detail = check_jobqueue(cfgdir, timeout=2.0)
    if not ok:
        print(f"bots-service: waiting for the job queue ({detail})", file=sys.stderr, flush=True)
    while not ok and time.monotonic() < deadline:
        time.sleep(1)
        ok, detail = check_jobqueue(cfgdir, timeout=2.0)
    if not ok:
        print(f"bots-service: the job queue did not answer: {detail}", file=sys.stderr, flush=True)


def _start_metrics(service: str, args: list[str]) -> None:
    from . import metrics

    port = metrics.metrics_port()
    if not port or service not in ("webserver", "jobqueueserver"):
        return
    cfgdir = next((a[2:] for a in args if a.startswith("-c")), "") or config_dir()
    ini = configparser.RawConfigParser()
    ini.read(os.path.join(cfgdir, "bots.ini"))
    if service == "webserver":
        collector = metrics.RunCollector(web_port=ini.getint("webserver", "port", fallback=8080))
    else:
        collector = metrics.JobQueueCollector(cfgdir)
    try:
        metrics.serve(collector, port)
    except OSError as exc:
        print(f"bots-service: metrics not served on port {port}: {exc}", file=sys.stderr, flush=True)


def _run() -> int:
    if len(sys.argv) < 2 or sys.argv[1] not in MODULES:
        print(f"usage: bots-service {{{'|'.join(MODULES)}}} [-c<config dir>] [args...]", file=sys.stderr)
        return 64
    service = sys.argv[1]
    if service in LONG_RUNNING:
        timeout = float(os.environ.get("BOTS_STOP_TIMEOUT", "10"))
        threading.Thread(target=_watchdog, args=(timeout,), daemon=True, name="stop-watchdog").start()
        signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        if service == "dirmonitor":
            _wait_for_jobqueue(sys.argv[2:])
        ensure_usersys_importable()
        _start_metrics(service, sys.argv[2:])
        patch_bots_logging()
        # Bots derives paths from argv[0] (dirmonitor queues <dir of argv[0]>/bots-engine).
        sys.argv = [os.path.join(os.path.dirname(sys.executable), f"bots-{service}"), *sys.argv[2:]]
        module = importlib.import_module(MODULES[service])
        module.start()
    except KeyboardInterrupt:
        if service not in LONG_RUNNING:
            raise
        return 0
    except SystemExit:
        if _stopping.is_set():
            return 0
        raise
    return 0


def main() -> int:
    code = _run()
    if _stopping.is_set():
        # Stopped by SIGTERM: leave now. Non-daemon threads (the jobqueue's launchers) would
        # otherwise block interpreter exit.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    return code


if __name__ == "__main__":
    sys.exit(main())
