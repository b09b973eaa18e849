"""bots-healthcheck: exec-probe CLI. Exit 0 healthy, 1 not healthy (2: usage).

    bots-healthcheck live|ready|startup|jobqueue|dirmonitor [--config-dir DIR] [--quiet]

live/ready/startup run the same checks as the HTTP endpoints, in a fresh process.
live/ready/startup on Bots 4 call the Bots tree's own health views (bots/healthcheck.py).
jobqueue asks the XML-RPC server on localhost:[jobqueue] port (default 28082): Bots 4 answers the
task ``isup`` (``addjob(["isup"], ...)``, what bots-dirmonitor asks) with 0; Bots 3.3.1 has no isup,
so any XML-RPC answer (also a Fault) means it serves.
dirmonitor: a bots dirmonitor process runs in this container, holds inotify watches (it is
watching, not just starting) and the job queue answers.
"""

from __future__ import annotations

import argparse
import configparser
import json
import os
import socket
import sys
import xmlrpc.client

from .paths import bots_major, config_dir

KINDS = ("live", "ready", "startup", "jobqueue", "dirmonitor")


def _jobqueue_port(cfgdir: str) -> int:
    ini = configparser.RawConfigParser()
    ini.read(os.path.join(cfgdir, "bots.ini"))
    return ini.getint("jobqueue", "port", fallback=28082)


def check_jobqueue(cfgdir: str, timeout: float = 3.0) -> tuple[bool, str]:
    port = _jobqueue_port(cfgdir)
    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(timeout)
    try:
        proxy = xmlrpc.client.ServerProxy(f"http://localhost:{port}")
        if bots_major() >= 4:
            result = proxy.addjob(["isup"], 5)
            return result == 0, f"isup -> {result!r}"
        result = proxy.isup()
        return True, f"isup -> {result!r}"
    except xmlrpc.client.Fault as fault:
        return True, f"answers XML-RPC (fault {fault.faultCode})"
    except (OSError, xmlrpc.client.ProtocolError) as exc:
        return False, f"localhost:{port}: {type(exc).__name__}: {exc}"
    finally:
        socket.setdefaulttimeout(previous)


def _inotify_watches(pid: str) -> int:
    """Number of inotify watches the process holds (0 until pyinotify has added its watches)."""
    count = 0
    try:
        for fd in os.listdir(f"/proc/{pid}/fdinfo"):
            try:
                with open(f"/proc/{pid}/fdinfo/{fd}", encoding="ascii", errors="replace") as handle:
                    count += sum(1 for line in handle if line.startswith("inotify wd:"))
            except OSError:
                continue
    except OSError:
        return 0
    return count


def _dirmonitor_pids() -> list[str]:
    me = os.getpid()
    pids = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit() or int(pid) == me:
            continue
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as handle:
                args = [a.decode(errors="replace") for a in handle.read().split(b"\0") if a]
        except OSError:
            continue
        names = [os.path.basename(a) for a in args[:3]]
        if "bots-dirmonitor" in names or ("bots-service" in names and "dirmonitor" in args):
            pids.append(pid)
    return pids


def check(kind: str, cfgdir: str) -> tuple[bool, dict[str, str]]:
    if kind == "jobqueue":
        ok, detail = check_jobqueue(cfgdir)
        return ok, {"jobqueue": detail}
    if kind == "dirmonitor":
        pids = _dirmonitor_pids()
        watches = sum(_inotify_watches(pid) for pid in pids)
        jq_ok, jq_detail = check_jobqueue(cfgdir)
        if not pids:
            process = "no dirmonitor process"
        elif not watches:
            process = "starting (no inotify watch yet)"
        else:
            process = f"watching ({watches} inotify watches)"
        return bool(pids) and watches > 0 and jq_ok, {"process": process, "jobqueue": jq_detail}
    from . import checks
    from .bootstrap import init_bots

    try:
        init_bots(cfgdir, quiet=True)
    except BaseException as exc:  # generalinit may raise SystemExit or Bots' PanicError
        return False, {"init": f"{type(exc).__name__}: {exc}"}
    return checks.run(kind)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bots-healthcheck", description=__doc__.splitlines()[0])
    parser.add_argument("kind", choices=KINDS)
    parser.add_argument(
        "--config-dir", default=None, help="default: $BOTS_CONFIG_DIR, else the image's config dir"
    )
    parser.add_argument("--quiet", action="store_true", help="print nothing")
    args = parser.parse_args(argv)
    cfgdir = args.config_dir or config_dir()
    try:
        ok, results = check(args.kind, cfgdir)
    except Exception as exc:
        ok, results = False, {"error": f"{type(exc).__name__}: {exc}"}
    if not args.quiet:
        print(json.dumps({"check": args.kind, "status": "ok" if ok else "fail", "checks": results}))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
