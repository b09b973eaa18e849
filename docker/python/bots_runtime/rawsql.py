"""Bots' own raw SQL for the tables its models leave unmanaged (ta, mutex, persist, uniek).

These tables need database-side defaults that the Django models do not declare (the engine
inserts raw SQL); Bots 4's migrations declare them unmanaged, Bots 3.3.1 has no migrations at all.
"""

from __future__ import annotations

import os

RAW_SQL_TABLES = ("ta", "mutex", "persist", "uniek")


def statements(sql_path: str) -> list[str]:
    with open(sql_path, encoding="utf-8") as handle:
        text = handle.read()
    found = []
    for raw in text.split(";"):
        stmt = raw.strip()
        if not stmt or stmt.upper().startswith("DROP "):
            continue
        found.append(stmt)
    return found


def sql_file(table: str, engine_suffix: str) -> str:
    import bots

    sqldir = os.path.join(os.path.dirname(bots.__file__), "sql")
    # 3.3.1 names them after the ENGINE's last part (sqlite3), Bots 4 "sqlite".
    if table == "uniek":
        names = ["uniek.sql"]
    else:
        names = [f"{table}.{engine_suffix}.sql", f"{table}.{engine_suffix.rstrip('3')}.sql"]
    for name in names:
        path = os.path.join(sqldir, name)
        if os.path.isfile(path):
            return path
    raise FileNotFoundError(f"Bots SQL file missing: {os.path.join(sqldir, names[0])}")
