"""bots-backup run | list | verify ID | restore ID [--from-stack STACK]

run      take a backup now (the backup CronJob's command), then apply the retention
list     every backup of the stack: id, size, age and whether its parts match the manifest
verify   the checks restore makes before it changes anything; exit 0 when it would restore
restore  replace the database and the environment's files with the backup's

Exit codes: 0 done, 1 failure, 2 refused before anything was changed.
ID is a backup id (as listed) or ``latest`` (the newest complete backup).
"""

from __future__ import annotations

import argparse
import datetime
import os
import shutil
import sys
import tempfile
import time

from ..bootstrap import init_bots
from ..paths import bots_version, env_dir
from . import crypt, database, files, lock, schema
from . import manifest as mf
from .store import StoreError, open_store

ID_FORMAT = "%Y%m%dT%H%M%SZ"
FILES_NAME = "files.tar.gz"


class Refused(Exception):
    """A restore that must not start; the message says what to do."""


def log(message: str) -> None:
    print(f"bots-backup: {message}", flush=True)


def _int_env(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    return int(value) if value.strip() else default


def _stack() -> str:
    stack = os.environ.get("BACKUP_STACK", "")
    if not stack:
        raise StoreError("BACKUP_STACK is not set: the stack whose backups these are")
    return stack


def _age(backup_id: str) -> str:
    try:
        taken = datetime.datetime.strptime(backup_id, ID_FORMAT).replace(tzinfo=datetime.UTC)
    except ValueError:
        return "?"
    seconds = int((datetime.datetime.now(datetime.UTC) - taken).total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def _size(n: int) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f}{unit}" if unit == "B" else f"{n:.1f}{unit}"
        n /= 1024
    return str(n)


def _scratch() -> str:
    return tempfile.mkdtemp(prefix="bots-backup-", dir=os.environ.get("BACKUP_SCRATCH_DIR") or None)


def run_backup() -> int:
    stack = _stack()
    store = open_store(stack)
    init_bots(quiet=True)
    kind = database.engine()
    tool = database.check_client(kind)
    server = database.server_version()
    backup_id = datetime.datetime.now(datetime.UTC).strftime(ID_FORMAT)
    env = env_dir()
    work = _scratch()
    started = time.monotonic()
    log(f"backup {backup_id} of stack {stack}: {kind} {server} with {tool}; target {store.where}")
    try:
        parts_plain = {
            database.DUMP_NAMES[kind]: os.path.join(work, database.DUMP_NAMES[kind]),
            FILES_NAME: os.path.join(work, FILES_NAME),
        }
        max_runtime = _int_env("BACKUP_ENGINE_MAX_RUNTIME_MINUTES", 60)
        with lock.engines_paused(
            env, max_runtime * 60 + 600, float(os.environ.get("BACKUP_ENGINE_GRACE_SECONDS", "10")), log
        ):
            lock.wait_for_running_engine(max_runtime, max_runtime * 60, log)
            migrations = schema.applied()
            database.dump(kind, parts_plain[database.DUMP_NAMES[kind]])
            count = files.archive(env, parts_plain[FILES_NAME])
        log(f"database dumped and {count} files archived in {time.monotonic() - started:.1f}s")
        key = crypt.key_file()
        parts: dict[str, dict] = {}
        for name, path in parts_plain.items():
            if key:
                crypt.encrypt(key, path, path + crypt.SUFFIX)
                os.unlink(path)
                name, path = name + crypt.SUFFIX, path + crypt.SUFFIX
            parts[name] = {"sha256": mf.sha256_file(path), "size": os.path.getsize(path), "path": path}
        image = os.environ.get("BACKUP_IMAGE", "")
        manifest = {
            "format": mf.FORMAT,
            "id": backup_id,
            "created": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
            "stack": stack,
            "botsEnv": os.path.basename(env),
            "image": image,
            "imageDigest": image.split("@", 1)[1] if "@" in image else "",
            "botsVersion": bots_version(),
            "schema": {"latestBotsMigration": schema.latest_bots(migrations), "applied": migrations},
            "database": {"engine": kind, "server": server, "tool": tool, "part": database.DUMP_NAMES[kind]},
            "files": {"part": FILES_NAME, "count": count},
            "encrypted": bool(key),
            "parts": {n: {"sha256": p["sha256"], "size": p["size"]} for n, p in parts.items()},
        }
        if hasattr(store, "ensure_bucket"):
            store.ensure_bucket()
        for name, part in parts.items():
            store.put(backup_id, name, part["path"])
        manifest_path = os.path.join(work, mf.NAME)
        with open(manifest_path, "wb") as out:
            out.write(mf.dumps(manifest))
        store.put(backup_id, mf.NAME, manifest_path)
        total = sum(p["size"] for p in parts.values())
        log(
            f"backup {backup_id} complete: {_size(total)} in {time.monotonic() - started:.1f}s, "
            f"at {store.where}{backup_id}/"
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    prune(store)
    return 0


def prune(store) -> None:
    keep_count = _int_env("BACKUP_RETENTION_COUNT", 0)
    keep_days = _int_env("BACKUP_RETENTION_DAYS", 0)
    complete = [i for i in store.ids() if store.read(i, mf.NAME) is not None]
    now = datetime.datetime.now(datetime.UTC)
    doomed = []
    for index, backup_id in enumerate(reversed(complete)):
        if index == 0:
            continue  # the newest complete backup is always kept
        try:
            taken = datetime.datetime.strptime(backup_id, ID_FORMAT).replace(tzinfo=datetime.UTC)
        except ValueError:
            continue
        too_many = keep_count > 0 and index >= keep_count
        too_old = keep_days > 0 and (now - taken).days >= keep_days
        if too_many or too_old:
            doomed.append(backup_id)
    for backup_id in doomed:
        store.delete(backup_id)
        log(f"retention: deleted backup {backup_id}")


def _resolve(store, wanted: str) -> str:
    ids = store.ids()
    if wanted == "latest":
        complete = [i for i in ids if store.read(i, mf.NAME) is not None]
        if not complete:
            raise Refused(
                f"there is no complete backup at {store.where}: take one first (a run of the backup CronJob)"
            )
        return complete[-1]
    if wanted not in ids:
        raise Refused(f"there is no backup {wanted} at {store.where}: pick an id from `list`")
    return wanted


def _fetch_verified(store, backup_id: str, work: str) -> tuple[dict, dict[str, str]]:
    """Downloads every part and checks it against the manifest; returns the manifest and the plain parts."""
    data = store.read(backup_id, mf.NAME)
    if data is None:
        raise Refused(
            f"backup {backup_id} at {store.where} has no manifest.json: it never finished; "
            "pick another id from `list`"
        )
    try:
        manifest = mf.loads(data, f"backup {backup_id}")
    except ValueError as exc:
        raise Refused(f"{exc}; the backup is damaged: pick another id from `list`") from exc
    present = {e.name for e in store.entries(backup_id)}
    paths: dict[str, str] = {}
    for name, want in sorted(manifest["parts"].items()):
        if name not in present:
            raise Refused(
                f"backup {backup_id} is damaged: part {name} is missing; pick another id from `list`"
            )
        path = os.path.join(work, name)
        store.get(backup_id, name, path)
        got = mf.sha256_file(path)
        if got != want["sha256"]:
            raise Refused(
                f"backup {backup_id} is damaged: {name} has sha256 {got}, "
                f"the manifest says {want['sha256']}; "
                "nothing was changed: pick another id from `list`"
            )
        paths[name] = path
    return manifest, paths


def _decrypt(manifest: dict, paths: dict[str, str]) -> dict[str, str]:
    if not manifest.get("encrypted"):
        return paths
    key = crypt.key_file()
    if not key:
        raise Refused(
            "the backup is encrypted and no key is mounted: "
            "set backupEncryptionKey to the key it was taken with"
        )
    plain = {}
    for name, path in paths.items():
        out = path[: -len(crypt.SUFFIX)]
        try:
            crypt.decrypt(key, path, out)
        except RuntimeError as exc:
            raise Refused(
                f"{exc}: backupEncryptionKey is not the key backup {manifest['id']} was taken with"
            ) from exc
        plain[name[: -len(crypt.SUFFIX)]] = out
    return plain


def check(store, wanted: str, stack: str, from_stack: str | None, work: str) -> tuple[dict, dict[str, str]]:
    """Every refusal of restore, before anything is changed."""
    backup_id = _resolve(store, wanted)
    manifest, paths = _fetch_verified(store, backup_id, work)
    origin = manifest.get("stack")
    if origin != stack and origin != from_stack:
        raise Refused(
            f"backup {backup_id} is of stack {origin!r}, not {stack!r}: to restore it onto {stack} anyway, "
            f"give --from-stack {origin}"
        )
    newer = schema.unknown_to_image(manifest["schema"]["applied"])
    if newer:
        raise Refused(
            f"backup {backup_id} has a newer schema than this image's Bots {bots_version()}: it applied "
            f"{', '.join(newer)}, which this image does not have. Deploy the image it was taken with "
            f"({manifest.get('image') or 'see its manifest'}: pulumi config set imageRef ...; pulumi up), "
            "then restore"
        )
    kind = database.engine()
    if manifest["database"]["engine"] != kind:
        raise Refused(
            f"backup {backup_id} holds a {manifest['database']['engine']} database, this stack runs {kind}: "
            "restore it onto a stack of the same databaseEngine"
        )
    return manifest, _decrypt(manifest, paths)


def run_restore(wanted: str, from_stack: str | None, dry_run: bool) -> int:
    stack = _stack()
    store = open_store(from_stack or stack)
    init_bots(quiet=True)
    work = _scratch()
    try:
        manifest, paths = check(store, wanted, stack, from_stack, work)
        backup_id = manifest["id"]
        log(
            f"backup {backup_id} verifies: stack {manifest['stack']}, Bots {manifest['botsVersion']}, "
            f"schema {manifest['schema']['latestBotsMigration']}, "
            f"{len(manifest['parts'])} parts match their sha256"
        )
        if dry_run:
            return 0
        kind = database.engine()
        started = time.monotonic()
        env = env_dir()
        with lock.engines_paused(env, 3600, 0, log):
            files.restore(env, paths[FILES_NAME])
            log(f"files of {backup_id} restored (usersys, botssys)")
            database.restore(kind, paths[database.DUMP_NAMES[kind]])
            log(f"database of {backup_id} restored ({kind})")
        log(f"restore of {backup_id} complete in {time.monotonic() - started:.1f}s")
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run_list() -> int:
    store = open_store(_stack())
    ids = store.ids()
    print(f"{'ID':<18} {'SIZE':>10} {'AGE':>6}  VERIFIES")
    for backup_id in reversed(ids):
        size = sum(e.size for e in store.entries(backup_id))
        work = _scratch()
        try:
            _fetch_verified(store, backup_id, work)
            verdict = "yes"
        except Refused as exc:
            verdict = "no: " + str(exc).split(": ", 1)[-1].split(";")[0]
        finally:
            shutil.rmtree(work, ignore_errors=True)
        print(f"{backup_id:<18} {_size(size):>10} {_age(backup_id):>6}  {verdict}", flush=True)
    if not ids:
        print(f"(no backups at {store.where})")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bots-backup", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run")
    sub.add_parser("list")
    for name in ("verify", "restore"):
        p = sub.add_parser(name)
        p.add_argument("id")
        p.add_argument("--from-stack", default=None)
    args = parser.parse_args(argv)
    try:
        if args.command == "run":
            return run_backup()
        if args.command == "list":
            return run_list()
        return run_restore(args.id, args.from_stack, dry_run=args.command == "verify")
    except Refused as exc:
        log(f"REFUSED: {exc}")
        return 2
    except (StoreError, database.DatabaseError, TimeoutError, OSError, RuntimeError) as exc:
        log(f"ERROR: {exc}")
        return 1


if __name__ == "__main__":
    sys.exit(main())
