"""No engine run writes while a backup is taken.

Bots' own cross-pod guard (the ``mutex`` row) is not a lock others can take: an engine that finds
the row assumes its predecessor crashed and runs crash recovery alongside. So the backup raises a
marker on the data volume, which the image's bots-engine (the command of the engine CronJob and of
the job queue) reads before it starts: while the marker is up and before its deadline, a run is
skipped with a log line (exit 0; its files wait in the inbox for the next run). Then the backup
waits for a run already started to finish: for Bots' mutex row to go (a row older than Bots'
maxruntime is a crashed run's and is ignored, as Bots does).
"""

from __future__ import annotations

import contextlib
import os
import time

MARKER = ".backup-in-progress"


def marker_path(env_dir: str) -> str:
    return os.path.join(env_dir, MARKER)


@contextlib.contextmanager
def engines_paused(env_dir: str, deadline_seconds: int, grace_seconds: float, log):
    path = marker_path(env_dir)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(f"{int(time.time()) + deadline_seconds}\n")
    try:
        log(f"engine runs paused (marker {path}); waiting {grace_seconds:g}s for runs starting now")
        time.sleep(grace_seconds)
        yield
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
        log("engine runs resumed")


def wait_for_running_engine(max_runtime_minutes: int, timeout_seconds: int, log) -> None:
    """Returns once Bots' mutex row is gone (or stale); raises TimeoutError after timeout_seconds."""
    from django.db import connection

    start = time.monotonic()
    told = False
    while True:
        with connection.cursor() as cursor:
            cursor.execute("SELECT ts FROM mutex WHERE mutexk = 1")
            row = cursor.fetchone()
        if row is None:
            return
        age = _age_seconds(row[0])
        if age is not None and age > max_runtime_minutes * 60:
            log(f"Bots' run lock is {int(age)}s old, older than maxruntime: a crashed run's, ignored")
            return
        if time.monotonic() - start > timeout_seconds:
            raise TimeoutError(f"an engine run has held Bots' run lock for over {timeout_seconds}s")
        if not told:
            log("an engine run is going on: waiting for it to finish")
            told = True
        time.sleep(2)


def _age_seconds(ts) -> float | None:
    import datetime

    if ts is None:
        return None
    if isinstance(ts, str):
        try:
            ts = datetime.datetime.fromisoformat(ts)
        except ValueError:
            return None
    if ts.tzinfo is None:
        return time.time() - time.mktime(ts.timetuple())
    return time.time() - ts.timestamp()
