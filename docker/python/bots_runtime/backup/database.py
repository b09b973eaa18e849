"""The database part: a consistent dump with the engine's own tool, and its restore.

SQLite: Python's sqlite3 online backup API (a page-consistent copy while others read and write).
PostgreSQL: pg_dump (custom format, one snapshot), restored by pg_restore's SQL into psql in one
transaction. MySQL/MariaDB: mariadb-dump --single-transaction (one consistent InnoDB snapshot).
The image holds one client per engine (Debian bookworm's: PostgreSQL 15, MariaDB 10.11); pg_dump
cannot dump a newer server, so a newer PostgreSQL is refused with the versions named.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile

from .. import envsecrets


class DatabaseError(RuntimeError):
    pass


DUMP_NAMES = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump", "mysql": "database.sql"}


def engine() -> str:
    from django.db import connection

    vendor = connection.vendor
    return {"sqlite": "sqlite", "postgresql": "postgresql", "mysql": "mysql"}[vendor]


def _settings() -> dict:
    from django.db import connection

    return connection.settings_dict


def _run(args: list[str], env: dict | None = None, **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run(args, env=env, capture_output=True, text=True, check=False, **kwargs)
    if result.returncode != 0:
        raise DatabaseError(f"{args[0]} failed (exit {result.returncode}): {result.stderr.strip()[-2000:]}")
    return result


def _tool_major(tool: str) -> tuple[int, str]:
    out = _run([tool, "--version"]).stdout.strip()
    match = re.search(r"(\d+)\.(\d+)", out)
    if not match:
        raise DatabaseError(f"cannot read the version of {tool}: {out!r}")
    return int(match.group(1)), out


def _pg_env() -> dict:
    s = _settings()
    env = dict(os.environ)
    env.update(
        {
            "PGHOST": s["HOST"] or "localhost",
            "PGPORT": str(s["PORT"] or 5432),
            "PGUSER": s["USER"],
            "PGDATABASE": s["NAME"],
            "PGPASSWORD": envsecrets.get("DB_PASSWORD"),
            "PGCONNECT_TIMEOUT": "15",
        }
    )
    return env


def _mysql_defaults() -> str:
    """A client option file in /tmp (mode 0600): the password never appears on a command line."""
    s = _settings()
    handle, path = tempfile.mkstemp(prefix="bots-backup-", suffix=".cnf")
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        password = envsecrets.get("DB_PASSWORD").replace("\\", "\\\\").replace('"', '\\"')
        out.write(
            "[client]\n"
            f"host={s['HOST'] or 'localhost'}\nport={s['PORT'] or 3306}\nuser={s['USER']}\n"
            f'password="{password}"\ndefault-character-set=utf8mb4\n'
        )
    return path


def server_version() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT sqlite_version()")
        elif connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
        else:
            cursor.execute("SELECT VERSION()")
        return str(cursor.fetchone()[0])


def check_client(kind: str) -> str:
    """The dump tool's version line; refuses a server the tool cannot dump."""
    if kind == "sqlite":
        return f"sqlite3 online backup API (SQLite {sqlite3.sqlite_version})"
    if kind == "postgresql":
        from django.db import connection

        major, line = _tool_major("pg_dump")
        server = connection.pg_version // 10000
        if server > major:
            raise DatabaseError(
                f"the PostgreSQL server is version {server}, newer than this image's {line}: pg_dump "
                f"dumps servers up to its own major version. Back up with a pg_dump {server} "
                "(pg_dump --format=custom) until the image carries it."
            )
        return line
    return _tool_major("mariadb-dump")[1]


def dump(kind: str, dest: str) -> None:
    from django.db import connection

    if kind == "sqlite":
        live = _settings()["NAME"]
        connection.close()
        source = sqlite3.connect(f"file:{live}?mode=ro", uri=True, timeout=60)
        target = sqlite3.connect(dest)
        try:
            source.backup(target)
        finally:
            target.close()
            source.close()
    elif kind == "postgresql":
        _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--file={dest}"], env=_pg_env())
    else:
        defaults = _mysql_defaults()
        try:
            with open(dest, "w", encoding="utf-8") as out:
                result = subprocess.run(
                    [
                        "mariadb-dump",
                        f"--defaults-extra-file={defaults}",
                        "--single-transaction",
                        "--quick",
                        "--skip-lock-tables",
                        "--no-tablespaces",
                        "--hex-blob",
                        "--skip-comments",
                        _settings()["NAME"],
                    ],
                    stdout=out,
                    stderr=subprocess.PIPE,
                    text=True,
                    check=False,
                )
            if result.returncode != 0:
                raise DatabaseError(
                    f"mariadb-dump failed (exit {result.returncode}): {result.stderr.strip()[-2000:]}"
                )
        finally:
            os.unlink(defaults)


def _tables() -> list[str]:
    from django.db import connection

    return sorted(connection.introspection.table_names())


def restore(kind: str, source: str) -> None:
    """Replaces the database's tables with the dump's; PostgreSQL and SQLite in one transaction."""
    from django.db import connection

    tables = _tables()
    connection.close()
    if kind == "sqlite":
        live = _settings()["NAME"]
        os.makedirs(os.path.dirname(live), exist_ok=True)
        backup = sqlite3.connect(source)
        target = sqlite3.connect(live, timeout=60)
        try:
            backup.backup(target)
        finally:
            target.close()
            backup.close()
        return
    if kind == "postgresql":
        drop = f"DROP TABLE IF EXISTS {', '.join(_quote_pg(t) for t in tables)} CASCADE;\n" if tables else ""
        _pipe(
            ["pg_restore", "--no-owner", "--no-privileges", "--file=-", source],
            ["psql", "--quiet", "--no-psqlrc", "--single-transaction", "-v", "ON_ERROR_STOP=1", "--file=-"],
            drop,
            "",
            _pg_env(),
        )
        return
    defaults = _mysql_defaults()
    try:
        drop = "SET FOREIGN_KEY_CHECKS=0;\n" + (
            f"DROP TABLE IF EXISTS {', '.join(f'`{t}`' for t in tables)};\n" if tables else ""
        )
        _pipe(
            ["cat", source],
            ["mariadb", f"--defaults-extra-file={defaults}", _settings()["NAME"]],
            drop,
            "\nSET FOREIGN_KEY_CHECKS=1;\n",
            dict(os.environ),
        )
    finally:
        os.unlink(defaults)


def _pipe(producer: list[str], consumer: list[str], head: str, tail: str, env: dict) -> None:
    """producer's output, between head and tail, streamed into consumer (a dump can be larger than memory)."""
    with tempfile.TemporaryFile() as perr, tempfile.TemporaryFile() as cerr:
        source = subprocess.Popen(producer, stdout=subprocess.PIPE, stderr=perr)
        sink = subprocess.Popen(
            consumer, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=cerr, env=env
        )
        try:
            sink.stdin.write(head.encode())
            shutil.copyfileobj(source.stdout, sink.stdin, 1 << 20)
            sink.stdin.write(tail.encode())
        except BrokenPipeError:
            pass  # the consumer stopped on an error: its exit code and message say which
        finally:
            with contextlib.suppress(BrokenPipeError):
                sink.stdin.close()
            source.stdout.close()
        # The consumer first: when it stops on an error, the producer only sees a broken pipe.
        for proc, err, args in ((sink, cerr, consumer), (source, perr, producer)):
            if proc.wait() != 0:
                err.seek(0)
                message = err.read().decode(errors="replace").strip()[-2000:]
                raise DatabaseError(f"{args[0]} failed (exit {proc.returncode}): {message}")


def _quote_pg(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
