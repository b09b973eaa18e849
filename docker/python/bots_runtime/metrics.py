"""Prometheus metrics from Bots' own run data: the report, filereport, ta, mutex and channel tables,
the inboxes of the active routes' file channels, the data volume and the job queue.

Served by ``bots-service`` on a port of its own (BOTS_METRICS_PORT, 9464 by default; 0 turns it
off), not on the web port: the Ingress publishes the web port, and these numbers are for the
cluster's Prometheus, not for the internet. The webserver serves the ``run`` collector, the job
queue server the ``jobqueue`` one (the queue lives in that process's memory and listens on
localhost only).

Labels carry only route and channel ids and fixed words: ids are names the operator gave in the
configuration (bounded, no secrets), while partner ids, file names, references, mail addresses and
error texts come from the EDI content or are unbounded, so none of them is a label.

Bots stores naive local times: which zone each table's times are in is worked out per database
(_zones), so the timestamps are Unix times whatever TIME_ZONE and the server's zone are. Counts
over Bots' tables cover what Bots keeps (its cleanup deletes runs older than [settings] maxdays),
so they are gauges: they fall when the cleanup runs.
"""

from __future__ import annotations

import configparser
import contextlib
import datetime
import glob
import logging
import os
import threading
import time
import urllib.request
import xmlrpc.client
import zoneinfo

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector, CollectorRegistry

from .paths import bots_home, bots_version

log = logging.getLogger("bots_runtime.metrics")

# bots/botsconfig.py
_ERROR, _OK, _DONE = 1, 2, 3
_EXTERNOUT = 520
_RUN_FILES = {
    "received": "lastreceived",
    "done": "lastdone",
    "error": "lasterror",
    "stuck": "lastok",
    "open": "lastopen",
    "sent": "send",
    "process_errors": "processerrors",
}


def _epoch(ts: datetime.datetime | str | None, tz: datetime.tzinfo) -> float | None:
    if ts is None:
        return None
    if isinstance(ts, str):  # SQLite through a raw cursor
        ts = datetime.datetime.fromisoformat(ts)
    if ts.tzinfo is None:
        ts = ts.replace(tzinfo=tz)
    return ts.timestamp()


# Every metric served, with its help text (docs/metrics.md lists the same).
HELP = {
    "bots_metrics_errors": "1 when a group of metrics could not be read this scrape",
    "bots_info": "Bots version this pod runs",
    "bots_database_up": "1 when Bots' database answered this scrape",
    "bots_web_ready": "1 when this pod's web server answers /health/ready with 200",
    "bots_metrics_collect_seconds": "Time this scrape took to read Bots' data",
    "bots_engine_runs": "Engine runs in Bots' report table by result (error: files or process errors)",
    "bots_engine_last_run_id": "Report id (root ta id) of the last engine run",
    "bots_engine_last_run_timestamp_seconds": "Start of the last engine run (Unix time)",
    "bots_engine_last_run_failed": "1 when the last engine run had files with errors or process errors",
    "bots_engine_last_run_duration_seconds": (
        "Seconds from the start of the last finished engine run to its last row (0: it received nothing)"
    ),
    "bots_engine_last_run_files": "Files of the last engine run as Bots' report counts them",
    "bots_engine_last_ok_run_timestamp_seconds": "Start of the last engine run without errors (Unix time)",
    "bots_engine_running": "1 while an engine run holds Bots' database lock (mutex)",
    "bots_engine_running_since_timestamp_seconds": "When the running engine took the lock (Unix time)",
    "bots_files_received": "Incoming files in Bots' file reports, per route",
    "bots_files_with_errors": "Incoming files whose processing ended in an error, per route",
    "bots_files_sent": "Outgoing files Bots sent (ta status Send, done), per route",
    "bots_inbox_files": "Files waiting in the inbox of an active route's file channel",
    "bots_inbox_oldest_file_age_seconds": "Age of the oldest file waiting in the inbox (0 when empty)",
    "bots_data_volume_size_bytes": "Size of the file system of the data volume",
    "bots_data_volume_available_bytes": "Bytes of the data volume Bots can still write",
    "bots_jobqueue_up": "1 when the job queue answered over XML-RPC this scrape",
    "bots_jobqueue_jobs": "Jobs waiting in the job queue",
}


def _zones(connection, time_zone: datetime.tzinfo) -> tuple[datetime.tzinfo, datetime.tzinfo]:
    """(zone of the report tables' times as read here, zone of ta's and mutex's times).

    Bots' engine opens its own connection and sets no time zone on it: the ta and mutex rows get
    the database session's default time (Bots' raw SQL: timestamp without time zone). PostgreSQL:
    its TimeZone setting (asked for the default: Django's own connection sets TIME_ZONE on
    itself); the report tables are Django's (timestamp with time zone) and read here in TIME_ZONE.
    MySQL: @@time_zone for both (Django leaves it alone; the offset now). SQLite: localtime, the
    process's TZ, which Django sets to TIME_ZONE, for both.
    """
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT reset_val FROM pg_settings WHERE name = 'TimeZone'")
            return time_zone, zoneinfo.ZoneInfo(cursor.fetchone()[0])
        if connection.vendor == "mysql":
            cursor.execute("SELECT TIMESTAMPDIFF(SECOND, UTC_TIMESTAMP(), NOW())")
            offset = datetime.timezone(datetime.timedelta(seconds=round(cursor.fetchone()[0] / 60) * 60))
            return offset, offset
    return time_zone, time_zone


def _gauge(name: str, value: float | None = None, labels: list[str] | None = None) -> GaugeMetricFamily:
    if labels is None:
        return GaugeMetricFamily(name, HELP[name], value=value)
    return GaugeMetricFamily(name, HELP[name], labels=labels)


class RunCollector(Collector):
    """Metrics the webserver serves: Bots' tables, the inboxes, the data volume, the web server itself."""

    def __init__(self, web_port: int | None = None):
        self.web_port = web_port

    def collect(self):
        started = time.monotonic()
        errors = _gauge("bots_metrics_errors", labels=["group"])
        info = _gauge("bots_info", labels=["version"])
        info.add_metric([bots_version()], 1)
        yield info
        from django.apps import apps

        if not apps.ready:
            # The webserver sets Django up after its start; until then only the exporter answers.
            yield _gauge("bots_database_up", 0)
            return
        from django.conf import settings
        from django.db import connection

        groups = (
            ("database", self._database, (connection, zoneinfo.ZoneInfo(settings.TIME_ZONE))),
            ("inbox", self._inboxes, ()),
            ("volume", self._volume, ()),
        )
        try:
            for group, func, args in groups:
                try:
                    yield from func(*args)
                    errors.add_metric([group], 0)
                except Exception as exc:
                    log.warning(
                        "metrics: %s: %s: %s", group, type(exc).__name__, str(exc).splitlines()[0][:200]
                    )
                    errors.add_metric([group], 1)
                    if group == "database":
                        yield _gauge("bots_database_up", 0)
                        with contextlib.suppress(Exception):
                            connection.close()
        finally:
            # Each scrape runs in a thread of its own: close its connection rather than leak it.
            with contextlib.suppress(Exception):
                connection.close()
        if self.web_port:
            yield _gauge("bots_web_ready", self._web_ready())
        yield errors
        yield _gauge("bots_metrics_collect_seconds", time.monotonic() - started)

    def _web_ready(self) -> int:
        try:
            with urllib.request.urlopen(
                f"http://127.0.0.1:{self.web_port}/health/ready", timeout=3
            ) as response:
                return int(response.status == 200)
        except Exception:
            return 0

    def _database(self, connection, time_zone):
        report_tz, ta_tz = _zones(connection, time_zone)
        with connection.cursor() as cursor:
            cursor.execute("SELECT status, COUNT(*) FROM report GROUP BY status")
            runs = {"ok": 0, "error": 0}
            for status, count in cursor.fetchall():
                runs["error" if status else "ok"] += count
            cursor.execute(
                "SELECT idta, ts, status, lastreceived, lastdone, lasterror, lastok, lastopen, send,"
                " processerrors FROM report ORDER BY idta DESC LIMIT 1"
            )
            last = cursor.fetchone()
            cursor.execute("SELECT MAX(ts) FROM report WHERE status = %s", [False])
            last_ok = cursor.fetchone()[0]
            duration = None
            if last is not None:
                # The run's ta rows lie between its root and the next run's root (rundispatcher);
                # the next run may be under way. A run that received nothing leaves no rows.
                cursor.execute(
                    "SELECT MIN(idta) FROM ta WHERE idta > %s AND status = %s AND filename = %s",
                    [last[0], 1, "rundispatcher"],
                )
                upper = cursor.fetchone()[0]
                cursor.execute(
                    "SELECT MAX(ts) FROM ta WHERE idta >= %s AND idta < %s",
                    [last[0], upper if upper is not None else 2**31 - 1],
                )
                end = _epoch(cursor.fetchone()[0], ta_tz)
                duration = max(0.0, end - _epoch(last[1], report_tz)) if end is not None else 0.0
            cursor.execute("SELECT idroute, statust, COUNT(*) FROM filereport GROUP BY idroute, statust")
            files = cursor.fetchall()
            cursor.execute(
                "SELECT idroute, COUNT(*) FROM ta WHERE status = %s AND statust = %s GROUP BY idroute",
                [_EXTERNOUT, _DONE],
            )
            sent = cursor.fetchall()
            cursor.execute("SELECT ts FROM mutex")
            lock = cursor.fetchone()
            # Active routes get their series (at 0) before their first file, so an alert that
            # compares with an earlier value sees the first file with errors too.
            cursor.execute("SELECT DISTINCT idroute FROM routes WHERE active = %s", [True])
            active = [row[0] for row in cursor.fetchall()]

        yield _gauge("bots_database_up", 1)
        g = _gauge("bots_engine_runs", labels=["result"])
        for result, count in sorted(runs.items()):
            g.add_metric([result], count)
        yield g
        if last is not None:
            yield _gauge("bots_engine_last_run_id", last[0])
            yield _gauge("bots_engine_last_run_timestamp_seconds", _epoch(last[1], report_tz))
            yield _gauge("bots_engine_last_run_failed", int(bool(last[2])))
            yield _gauge("bots_engine_last_run_duration_seconds", duration)
            g = _gauge("bots_engine_last_run_files", labels=["outcome"])
            for index, outcome in enumerate(_RUN_FILES):
                g.add_metric([outcome], last[3 + index])
            yield g
        if last_ok is not None:
            yield _gauge("bots_engine_last_ok_run_timestamp_seconds", _epoch(last_ok, report_tz))
        yield _gauge("bots_engine_running", int(lock is not None))
        if lock is not None:
            yield _gauge("bots_engine_running_since_timestamp_seconds", _epoch(lock[0], ta_tz))

        by_route: dict[str, dict[str, int]] = {route: {"received": 0, "error": 0} for route in active}
        for route, statust, count in files:
            r = by_route.setdefault(route or "", {"received": 0, "error": 0})
            r["received"] += count
            if statust == _ERROR:
                r["error"] += count
        received = _gauge("bots_files_received", labels=["route"])
        with_errors = _gauge("bots_files_with_errors", labels=["route"])
        for route in sorted(by_route):
            received.add_metric([route], by_route[route]["received"])
            with_errors.add_metric([route], by_route[route]["error"])
        yield received
        yield with_errors
        g = _gauge("bots_files_sent", labels=["route"])
        sent_by_route = dict.fromkeys(active, 0) | {route or "": count for route, count in sent}
        for route in sorted(sent_by_route):
            g.add_metric([route], sent_by_route[route])
        yield g

    def _inboxes(self):
        from bots import models
        from bots.botslib import join

        active = models.routes.objects.filter(active=True).values("fromchannel_id")
        channels = models.channel.objects.filter(inorout="in", type="file", idchannel__in=active).values_list(
            "idchannel", "path", "filename"
        )
        count = _gauge("bots_inbox_files", labels=["channel"])
        age = _gauge("bots_inbox_oldest_file_age_seconds", labels=["channel"])
        now = time.time()
        for idchannel, path, mask in sorted(channels):
            mtimes = []
            for name in glob.iglob(join(path, mask or "*")):
                with contextlib.suppress(OSError):
                    if os.path.isfile(name):
                        mtimes.append(os.stat(name).st_mtime)
            count.add_metric([idchannel], len(mtimes))
            age.add_metric([idchannel], max(0.0, now - min(mtimes)) if mtimes else 0.0)
        yield count
        yield age

    def _volume(self):
        st = os.statvfs(bots_home())
        yield _gauge("bots_data_volume_size_bytes", st.f_blocks * st.f_frsize)
        yield _gauge("bots_data_volume_available_bytes", st.f_bavail * st.f_frsize)


class JobQueueCollector(Collector):
    """Metrics the job queue server serves: the jobs waiting in its in-memory queue."""

    def __init__(self, cfgdir: str):
        ini = configparser.RawConfigParser()
        ini.read(os.path.join(cfgdir, "bots.ini"))
        self.port = ini.getint("jobqueue", "port", fallback=28082)

    def collect(self):
        try:
            proxy = xmlrpc.client.ServerProxy(f"http://localhost:{self.port}")
            jobs = proxy.listjobs()
            up = 1
        except Exception:
            jobs, up = 0, 0
        yield _gauge("bots_jobqueue_up", up)
        # listjobs() answers 0 for an empty queue, else the list of [priority, number, task].
        yield _gauge("bots_jobqueue_jobs", len(jobs) if isinstance(jobs, list) else 0)


def metrics_port() -> int:
    return int(os.environ.get("BOTS_METRICS_PORT", "9464") or 0)


def serve(collector: Collector, port: int) -> threading.Thread | None:
    """Serves the collector on 0.0.0.0:port in daemon threads; None when port is 0."""
    if not port:
        return None
    from prometheus_client import start_http_server

    registry = CollectorRegistry(auto_describe=False)
    registry.register(collector)
    _server, thread = start_http_server(port, registry=registry)
    return thread
