"""Health checks shared by the HTTP endpoints and the bots-healthcheck CLI.

Each check returns (ok, detail). They need Bots' generalinit() (botsglobal.ini) and Django set up.
"""

from __future__ import annotations

import contextlib
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


def run(kind: str) -> tuple[bool, dict[str, str]]:
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
