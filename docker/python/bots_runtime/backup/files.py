"""The files part: a tar of the Bots environment (usersys, botssys, the assembled config).

botssys/sqlitedb is left out (the database part holds a consistent copy of SQLite's file). The
config folder is kept for the record only: a restore takes bots.ini and settings.py from the
stack's config Secret, as every pod does.
"""

from __future__ import annotations

import os
import shutil
import tarfile

PARTS = ("usersys", "botssys", "config")
SKIPPED = ("botssys/sqlitedb",)
RESTORED = ("usersys", "botssys")


def _skip(member: tarfile.TarInfo) -> tarfile.TarInfo | None:
    name = member.name
    if any(name == s or name.startswith(s + "/") for s in SKIPPED):
        return None
    if "/__pycache__" in name or name.endswith(".pyc"):
        return None
    return member


def archive(env_dir: str, dest: str) -> int:
    """Writes the tar (gzip); returns the number of regular files in it."""
    count = 0

    def counted(member: tarfile.TarInfo) -> tarfile.TarInfo | None:
        nonlocal count
        kept = _skip(member)
        if kept is not None and kept.isfile():
            count += 1
        return kept

    with tarfile.open(dest, "w:gz", compresslevel=6) as tar:
        for part in PARTS:
            path = os.path.join(env_dir, part)
            if part == "config" and os.path.islink(path):
                # <env>/config links to the pod's assembled config: store what it holds.
                path = os.path.realpath(path)
            if os.path.isdir(path):
                tar.add(path, arcname=part, filter=counted)
    return count


def restore(env_dir: str, source: str) -> None:
    """Replaces usersys and botssys with the tar's (botssys/sqlitedb stays where it is)."""
    staging = os.path.join(env_dir, ".restore-staging")
    old = os.path.join(env_dir, ".restore-old")
    for leftover in (staging, old):
        shutil.rmtree(leftover, ignore_errors=True)
    os.makedirs(staging)
    with tarfile.open(source, "r:gz") as tar:
        members = [m for m in tar.getmembers() if m.name.split("/", 1)[0] in RESTORED]
        if hasattr(tarfile, "data_filter"):
            tar.extractall(staging, members=members, filter="data")
        else:  # pragma: no cover - Python before the tarfile filters
            tar.extractall(staging, members=members)  # noqa: S202 (our own archive, checked by hash)
    os.makedirs(old)
    for part in RESTORED:
        live = os.path.join(env_dir, part)
        if os.path.lexists(live):
            os.replace(live, os.path.join(old, part))
        fresh = os.path.join(staging, part)
        if os.path.isdir(fresh):
            os.replace(fresh, live)
        else:
            os.makedirs(live)
    kept = os.path.join(old, "botssys", "sqlitedb")
    if os.path.isdir(kept):
        shutil.rmtree(os.path.join(env_dir, "botssys", "sqlitedb"), ignore_errors=True)
        os.replace(kept, os.path.join(env_dir, "botssys", "sqlitedb"))
    shutil.rmtree(old, ignore_errors=True)
    shutil.rmtree(staging, ignore_errors=True)
