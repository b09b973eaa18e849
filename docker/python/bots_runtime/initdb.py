"""bots-init-db: create or complete Bots' database schema. Idempotent; exits non-zero on failure.

Steps:
0. Bots 4 on a database that Bots 3.3.1 made: recognise its schema and bring it onto Bots 4's
   migrations, keeping every row (bots_runtime.upgrade331; one-way). Bots 3.3.1 on a database
   that Bots 4 migrated: stop.
1. For each of ta, mutex, persist, uniek that does not exist yet: run Bots' own raw SQL
   (bots/sql/<table>.<engine>.sql, uniek.sql) without its leading DROP TABLE. These tables need
   database-side defaults that the Django models do not declare (the engine inserts raw SQL);
   Bots 4's migrations declare them unmanaged, Bots 3.3.1 has no migrations at all.
2. ``migrate --run-syncdb``: Django's contrib apps and (Bots 4) Bots' own migrations; on 3.3.1 the
   Bots tables by syncdb (which skips the four tables created in step 1).
3. Check that every table of every installed model exists.
4. If SUPERUSER_USERNAME is set and that user does not exist: create it as superuser with
   SUPERUSER_EMAIL / SUPERUSER_PASSWORD (or SUPERUSER_PASSWORD_FILE). An existing user is never
   changed; the log says whether the configured password logs it in.
5. The plugins baked into the image (/opt/bots/plugins), with Bots' own plugin reader, and the
   routes named in BOTS_ACTIVATE_ROUTES activated; the routes of plugins installed earlier and not
   in the image any more deactivated, also when the image holds no plugins (bots_runtime.plugins).
6. The channel credentials of the stack's Secret (BOTS_CHANNEL_CREDENTIALS_FILE) written into the
   channel rows, those no longer configured cleared (bots_runtime.channels).
"""

from __future__ import annotations

import os
import sys

from . import channels, envsecrets, plugins, upgrade331
from .bootstrap import init_bots
from .paths import bots_major
from .rawsql import RAW_SQL_TABLES, sql_file, statements


def _log(message: str) -> None:
    print(f"init-db: {message}", flush=True)


def create_raw_tables() -> list[str]:
    from django.db import connection, transaction

    engine_suffix = connection.settings_dict["ENGINE"].rsplit(".", 1)[-1]
    existing = set(connection.introspection.table_names())
    created = []
    for table in RAW_SQL_TABLES:
        if table in existing:
            _log(f"table {table} exists, skipped")
            continue
        path = sql_file(table, engine_suffix)
        with transaction.atomic(), connection.cursor() as cursor:
            for stmt in statements(path):
                cursor.execute(stmt)
        created.append(table)
        _log(f"table {table} created from {os.path.basename(path)}")
    return created


def expected_tables() -> set[str]:
    from django.apps import apps

    tables = {"django_migrations", *RAW_SQL_TABLES}
    for model in apps.get_models(include_auto_created=True):
        if model._meta.managed and not model._meta.proxy:
            tables.add(model._meta.db_table)
    return tables


def ensure_superuser() -> None:
    username = os.environ.get("SUPERUSER_USERNAME", "").strip()
    if not username:
        _log("SUPERUSER_USERNAME not set, no superuser created")
        return
    from django.contrib.auth import get_user_model

    user_model = get_user_model()
    password = envsecrets.get("SUPERUSER_PASSWORD")
    existing = user_model.objects.filter(username=username).first()
    if existing is not None:
        # Never changed, but the operator is told which password is valid: a kept or adopted
        # database holds the password the user had, not the one this stack generated or was given.
        # hashers.check_password, not user.check_password: that one re-hashes an older hash
        # (Django 2.2's iterations) and saves the user, changing the row it must leave alone.
        from django.contrib.auth.hashers import check_password

        if password and check_password(password, existing.password):
            _log(f"user {username!r} exists, left unchanged; the stack's superuser password logs it in")
        else:
            _log(
                f"user {username!r} exists, left unchanged; the stack's superuser password "
                "does NOT log it in: it keeps the password it had"
            )
        return
    if not password:
        raise RuntimeError(
            f"SUPERUSER_PASSWORD (or SUPERUSER_PASSWORD_FILE) is empty; cannot create superuser {username!r}"
        )
    email = os.environ.get("SUPERUSER_EMAIL", "").strip()
    user_model.objects.create_superuser(username=username, email=email, password=password)
    _log(f"superuser {username!r} created")


def run() -> None:
    problems = envsecrets.validate()
    if problems:
        raise RuntimeError("; ".join(problems))
    # Plugins and route names are checked before anything is written.
    baked = plugins.discover()
    activate = plugins.routes_to_activate(baked)
    credentials = channels.load()
    init_bots()
    from django.core import management
    from django.db import connection

    db = connection.settings_dict
    _log(f"database {db['ENGINE']} {db.get('HOST') or ''} {db['NAME']}".replace("  ", " "))
    if bots_major() >= 4:
        upgrade331.upgrade(_log)
    else:
        upgrade331.refuse_bots4_database()
    create_raw_tables()
    management.call_command("migrate", run_syncdb=True, interactive=False, verbosity=1)
    existing = set(connection.introspection.table_names())
    missing = sorted(expected_tables() - existing)
    if missing:
        raise RuntimeError("tables still missing after init: " + ", ".join(missing))
    _log(f"{len(existing)} tables present")
    ensure_superuser()
    plugins.install(baked, activate, _log)
    channels.apply(credentials, _log)


def main() -> int:
    try:
        run()
    except SystemExit as exc:  # Bots/Django may sys.exit() on fatal errors
        code = exc.code if isinstance(exc.code, int) else 1
        if code != 0:
            print(f"init-db: FAILED (exit {code})", file=sys.stderr, flush=True)
            return code
        print("init-db: FAILED (unexpected exit 0 before completion)", file=sys.stderr, flush=True)
        return 1
    except (plugins.PluginConfigError, channels.ChannelCredentialsError) as exc:
        print(f"init-db: FAILED: {exc}", file=sys.stderr, flush=True)
        return 78
    except Exception as exc:
        print(f"init-db: FAILED: {type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
        return 1
    _log("done")
    return 0


if __name__ == "__main__":
    sys.exit(main())
