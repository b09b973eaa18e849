"""init-db's upgrade of a database that Bots 3.3.1 made (the image's PyPI fallback) to Bots 4.

Bots 3.3.1 has no migrations: its init-db made Bots' tables with syncdb (Django 2.2) and ta,
mutex, persist, uniek from its own SQL. Bots 4's first migration creates the same tables, so a
plain ``migrate`` stops at ``table "ccodetrigger" already exists``. What 3.3.1 makes differs from
what Bots 4 makes in (3.3.1's models.py and bots/sql/ against Bots 4's migrations and bots/sql/):

- the tables of Bots' models: exactly the columns of Bots 4's ``0001_initial``; Bots 4's later
  migrations (``0002_*``) add channel.debug and routes.dirmonitor, narrow channel.inorout to 3
  characters and widen channel.username and .secret (256), filereport.divtext and .rsrv1 (128)
  and report.rsrv1 (256);
- the raw-SQL tables: Bots 4's SQL widens ta.divtext, .reference, .rsrv1, .rsrv5 and
  uniek.domein, and indexes ta.parent and ta.reference; it no longer has ta.statuse (obsolete
  since 2009, read by neither line; left in place, with its data).

A database is taken for 3.3.1's when it has tables of Bots' models and no row of app ``bots`` in
``django_migrations``. Its upgrade:

1. Recognise it: every table of ``0001_initial`` with exactly that migration's columns, every
   raw-SQL table with the columns of Bots 4's SQL (ta: and statuse), and values that fit the
   columns the later migrations narrow. Anything else stops init-db naming the table and column,
   before anything is written.
2. In one transaction where the engine can roll back DDL (PostgreSQL, SQLite; MySQL/MariaDB
   commits each DDL statement, so there the steps are committed one by one and a re-run
   continues where a failed one stopped): widen the raw-SQL columns to Bots 4's types (SQLite
   does not enforce varchar lengths: left as declared), create the indexes of Bots 4's SQL that
   are missing, then ``migrate --fake-initial``: Django records ``0001_initial`` as applied
   because its tables exist and runs the later migrations (and Django's own newer contrib
   migrations) for real.

The move is one-way: Bots 3.3.1 cannot run on the result (refuse_bots4_database stops its
init-db); going back means restoring the database from before the upgrade.
"""

from __future__ import annotations

import contextlib
import io
import re
import sqlite3
from collections.abc import Callable

from .rawsql import RAW_SQL_TABLES, sql_file, statements

Log = Callable[[str], None]

# Columns 3.3.1's SQL makes that Bots 4's does not (kept: see the module docstring).
LEGACY_EXTRA_COLUMNS = {"ta": {"statuse"}}
_VARCHAR = re.compile(r"varchar\((\d+)\)", re.IGNORECASE)
_CREATE_INDEX = re.compile(r"CREATE INDEX (\w+) ON (\w+)", re.IGNORECASE)


class UnrecognisedSchema(RuntimeError):
    """The database has Bots tables, but not as Bots 3.3.1 makes them."""


def _loader():
    from django.db import connection
    from django.db.migrations.loader import MigrationLoader

    return MigrationLoader(connection)


def _initial_tables(loader) -> dict[str, set[str]]:
    """Table -> columns of the tables Bots 4's 0001_initial creates (managed models, m2m tables)."""
    state = loader.project_state(("bots", "0001_initial"), at_end=True)
    tables = {}
    for model in state.apps.get_app_config("bots").get_models(include_auto_created=True):
        if model._meta.managed and not model._meta.proxy:
            tables[model._meta.db_table] = {f.column for f in model._meta.local_concrete_fields}
    return tables


def _bots4_raw_tables() -> dict[str, dict[str, tuple]]:
    """Table -> column -> PRAGMA table_info row, of Bots 4's own SQL for the raw-SQL tables.

    Read by running its SQLite variant in memory: the three engines' files declare the same
    columns, types, defaults and NOT NULLs.
    """
    mem = sqlite3.connect(":memory:")
    try:
        tables = {}
        for table in RAW_SQL_TABLES:
            for stmt in statements(sql_file(table, "sqlite")):
                mem.execute(stmt)
            tables[table] = {row[1]: row for row in mem.execute(f"PRAGMA table_info({table})")}
        return tables
    finally:
        mem.close()


def _columns(cursor, table: str) -> dict:
    from django.db import connection

    return {c.name: c for c in connection.introspection.get_table_description(cursor, table)}


def is_bots331_database(loader) -> bool:
    """Tables of Bots' models, and no Bots migration recorded: what 3.3.1's init-db leaves."""
    from django.db import connection

    if "bots" not in loader.migrated_apps:
        return False  # Bots 3.3.1 itself: it has no migrations
    existing = set(connection.introspection.table_names())
    if not existing & set(_initial_tables(loader)):
        return False  # a new database (an earlier failed run may have made the raw-SQL tables)
    return not any(app == "bots" for app, _name in loader.applied_migrations)


def recognise(loader) -> None:
    """Raise UnrecognisedSchema, naming every difference, unless the schema is 3.3.1's."""
    from django.apps import apps
    from django.db import connection

    existing = set(connection.introspection.table_names())
    problems = []
    expected = {table: (cols, set()) for table, cols in _initial_tables(loader).items()}
    for table, cols in _bots4_raw_tables().items():
        expected[table] = (set(cols), LEGACY_EXTRA_COLUMNS.get(table, set()))
    with connection.cursor() as cursor:
        for table in sorted(expected):
            if table not in existing:
                problems.append(f"table {table} is missing")
                continue
            need, may = expected[table]
            have = set(_columns(cursor, table))
            problems += [f"column {table}.{c} is missing" for c in sorted(need - have)]
            problems += [f"column {table}.{c} is not one Bots 3.3.1 makes" for c in sorted(have - need - may)]
        if not problems:
            problems += _values_too_long(cursor, loader, apps)
    if problems:
        raise UnrecognisedSchema(
            "the database has Bots tables but no Bots migrations, and is not as Bots 3.3.1 makes it, "
            "so it was left unchanged: " + "; ".join(problems)
        )


def _values_too_long(cursor, loader, apps) -> list[str]:
    """Values that would not fit a column Bots 4's later migrations narrow (channel.inorout)."""
    from django.db import connection

    length = "CHAR_LENGTH" if connection.vendor == "mysql" else "LENGTH"
    qn = connection.ops.quote_name
    state = loader.project_state(("bots", "0001_initial"), at_end=True)
    problems = []
    for old_model in state.apps.get_app_config("bots").get_models():
        if not old_model._meta.managed or old_model._meta.proxy:
            continue
        new_model = apps.get_model("bots", old_model._meta.model_name)
        for old in old_model._meta.local_concrete_fields:
            new_length = getattr(new_model._meta.get_field(old.name), "max_length", None)
            if old.max_length and new_length and new_length < old.max_length:
                table, column = old_model._meta.db_table, old.column
                # Identifiers from Bots' own migration state, quoted by Django; the length is a parameter.
                query = f"SELECT COUNT(*) FROM {qn(table)} WHERE {length}({qn(column)}) > %s"  # noqa: S608
                cursor.execute(query, [new_length])
                too_long = cursor.fetchone()[0]
                if too_long:
                    problems.append(
                        f"{too_long} row(s) of {table}.{column} longer than Bots 4's {new_length} characters"
                    )
    return problems


def _widen_raw_columns(cursor, log: Log) -> None:
    from django.db import connection

    if connection.vendor == "sqlite":
        log("SQLite does not enforce varchar lengths: ta and uniek columns left as 3.3.1 declared them")
        return
    qn = connection.ops.quote_name
    for table, bots4 in _bots4_raw_tables().items():
        current = _columns(cursor, table)
        for name, (_cid, _name, decl, notnull, default, _pk) in bots4.items():
            want = _VARCHAR.fullmatch(decl)
            have = current[name].display_size
            if not want or have is None or have >= int(want.group(1)):
                continue
            if connection.vendor == "postgresql":
                # Type only: PostgreSQL keeps the column's default and NOT NULL.
                sql = f"ALTER TABLE {qn(table)} ALTER COLUMN {qn(name)} TYPE {decl}"
            else:
                # MODIFY replaces the whole definition: restate Bots 4's NOT NULL and default.
                rest = " NOT NULL" if notnull else ""
                rest += f" DEFAULT {default}" if default is not None else ""
                sql = f"ALTER TABLE {qn(table)} MODIFY {qn(name)} {decl}{rest}"
            cursor.execute(sql)
            log(f"column {table}.{name} widened from varchar({have}) to {decl} (Bots 4's SQL)")


def _create_raw_indexes(cursor, log: Log) -> None:
    from django.db import connection

    engine_suffix = connection.settings_dict["ENGINE"].rsplit(".", 1)[-1]
    for table in RAW_SQL_TABLES:
        for stmt in statements(sql_file(table, engine_suffix)):
            match = _CREATE_INDEX.match(stmt)
            if not match:
                continue
            index, on = match.groups()
            if index not in connection.introspection.get_constraints(cursor, on):
                cursor.execute(stmt)
                log(f"index {index} created on {on} (Bots 4's SQL)")


def _migrate_fake_initial(log: Log) -> None:
    from django.core import management

    out = io.StringIO()
    management.call_command("migrate", fake_initial=True, interactive=False, verbosity=1, stdout=out)
    for name, result in re.findall(r"Applying (\S+)\.\.\. (OK|FAKED)", out.getvalue()):
        if result == "FAKED":
            log(f"migration {name} recorded as applied (migrate --fake-initial: its tables exist)")
        else:
            log(f"migration {name} applied")


def upgrade(log: Log) -> None:
    from django.db import connection, transaction

    loader = _loader()
    if not is_bots331_database(loader):
        return
    log("Bots tables without Bots migrations: a database Bots 3.3.1 made; upgrading it to Bots 4 (one-way)")
    recognise(loader)
    log("schema recognised as Bots 3.3.1's: every table and column as 3.3.1 makes them")
    can_rollback = connection.features.can_rollback_ddl
    if not can_rollback:
        log(f"{connection.vendor} commits each schema change: the steps below are committed one by one")
    sqlite = connection.vendor == "sqlite"
    # Django's SQLite schema editor rebuilds tables with foreign key checks off, and SQLite can
    # only switch them off outside a transaction: before the one that holds the whole upgrade.
    if sqlite and not connection.disable_constraint_checking():
        raise RuntimeError("SQLite: cannot switch off foreign key checks for the upgrade")
    try:
        with transaction.atomic() if can_rollback else contextlib.nullcontext():
            with connection.cursor() as cursor:
                _widen_raw_columns(cursor, log)
                _create_raw_indexes(cursor, log)
            _migrate_fake_initial(log)
    finally:
        if sqlite:
            connection.enable_constraint_checking()
    done = "database upgraded from Bots 3.3.1 to Bots 4's migrations"
    log(done + (" (one transaction)" if can_rollback else ""))


def refuse_bots4_database() -> None:
    """Bots 3.3.1's init-db: stop on a database that Bots 4 migrated (the upgrade is one-way)."""
    from django.db import connection
    from django.db.migrations.recorder import MigrationRecorder

    recorder = MigrationRecorder(connection)
    if recorder.has_table() and recorder.migration_qs.filter(app="bots").exists():
        raise RuntimeError(
            "this database was migrated to Bots 4 (django_migrations has rows for app bots); Bots 3.3.1 "
            "cannot run on it: the 3.3.1 -> 4 upgrade is one-way, restore the backup taken before it"
        )
