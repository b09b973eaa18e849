"""Which schema a database has (the Django migrations applied) and which ones this image knows."""

from __future__ import annotations


def applied() -> list[str]:
    """Every applied migration as ``app.name``, in the order they were applied."""
    from django.db import connection

    if "django_migrations" not in connection.introspection.table_names():
        return []
    with connection.cursor() as cursor:
        cursor.execute("SELECT app, name FROM django_migrations ORDER BY applied, id")
        return [f"{app}.{name}" for app, name in cursor.fetchall()]


def latest_bots(migrations: list[str]) -> str:
    """The latest applied migration of Bots' own app ('none' on Bots 3.3.1, which has none)."""
    own = [m for m in migrations if m.startswith("bots.")]
    return own[-1] if own else "none"


def known() -> set[str]:
    """The migrations the image's Bots and Django ship (on disk), as ``app.name``."""
    from django.db.migrations.loader import MigrationLoader

    loader = MigrationLoader(None, ignore_no_migrations=True)
    return {f"{app}.{name}" for app, name in loader.disk_migrations}


def unknown_to_image(migrations: list[str]) -> list[str]:
    """Applied migrations this image does not ship: the backup's schema is newer than its Bots."""
    have = known()
    return [m for m in migrations if m not in have]
