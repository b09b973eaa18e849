"""Health checks shared by the HTTP endpoints and the bots-healthcheck CLI.

Bots 4: the Bots tree's own views (bots/healthcheck.py) are the source of truth; the CLI calls
them too (run()). Bots 3.3.1 has none: the checks below (run_own()).
Each check returns (ok, detail). They need Bots' generalinit() (botsglobal.ini) and Django set up.
"""

from __future__ import annotations

import contextlib
import json
import os

from django.db import connection

# Tables Bots cannot run without; init-db creates them.
STARTUP_TABLES = ("channel", "routes", "ta", "mutex", "persist", "uniek")


def check_database() -> tuple[bool, str]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any driver error means "not ready"
        # Drop the broken connection so the next probe reconnects.
        with contextlib.suppress(Exception):
            connection.close()
        return False, f"{type(exc).__name__}: {str(exc).strip()}"
    return True, "ok"


def _ini_dir(key: str) -> str:
    from bots import botsglobal

    return botsglobal.ini.get("directories", key)


def check_directories() -> tuple[bool, str]:
    """botssys (and its data and logging dirs) writable, usersys present."""
    problems = []
    for key in ("botssys", "data", "logging"):
        path = _ini_dir(key)
        if not os.path.isdir(path):
            problems.append(f"{key} {path} missing")
        elif not os.access(path, os.W_OK):
            problems.append(f"{key} {path} not writable")
    usersys = _ini_dir("usersysabs")
    if not os.path.isfile(os.path.join(usersys, "__init__.py")):
        problems.append(f"usersys {usersys} not a package")
    return (not problems), ("ok" if not problems else "; ".join(problems))


def check_tables() -> tuple[bool, str]:
    try:
        existing = set(connection.introspection.table_names())
    except Exception as exc:
        with contextlib.suppress(Exception):
            connection.close()
        return False, f"{type(exc).__name__}: {str(exc).strip()}"
    missing = [t for t in STARTUP_TABLES if t not in existing]
    return (not missing), ("ok" if not missing else "missing tables: " + ", ".join(missing))


def tree_views() -> dict | None:
    """live/ready/startup -> view of the Bots tree (bots.healthcheck), or None (Bots 3.3.1)."""
    try:
        from bots import healthcheck
    except ImportError:
        return None
    return {
        "live": healthcheck.health_live,
        "ready": healthcheck.health_ready,
        "startup": healthcheck.health_startup,
    }


def run(kind: str) -> tuple[bool, dict]:
    """kind: live | ready | startup; the tree's view when there is one, else run_own()."""
    tree = tree_views()
    if tree is None:
        return run_own(kind)
    from django.test import RequestFactory

    response = tree[kind](RequestFactory().get(f"/health/{kind}"))
    body = json.loads(response.content)
    details = {"status_code": response.status_code, **body.get("checks", {})}
    if body.get("errors"):
        details["errors"] = body["errors"]
    return response.status_code == 200, details


def run_own(kind: str) -> tuple[bool, dict[str, str]]:
    """kind: live | ready | startup."""
    if kind == "live":
        return True, {}
    checks = {"database": check_database, "directories": check_directories}
    if kind == "startup":
        checks["tables"] = check_tables
    results = {}
    ok = True
    for name, func in checks.items():
        if name == "tables" and results.get("database") != "ok":
            results[name] = "skipped: no database"
            continue
        passed, detail = func()
        results[name] = detail
        ok = ok and passed
    return ok, results
