"""bots-exchange: runs file-exchange rules once (the CronJob of each rule runs it on its schedule).

    bots-exchange [--config /etc/bots-exchange/rules.json] [--rule NAME ...]

Per file, in this order: skipped if younger than minAgeSeconds, changed during the settle window
(a directory source: still being written) or empty (emptyFiles skip); otherwise read while hashed,
delivered under a name that does not exist yet (a collision gets the content's digest as suffix,
never an overwrite) and verified by size and SHA-256, recorded as delivered, then the source
deleted, archived (delivered and verified at the archive location, then deleted) or kept
(recorded: delivered once). A run killed after the delivery is finished by the next run from the
record, so no file is delivered twice; one killed before it leaves the source untouched.

One log line per file and a count line per rule. Exit 0: every file handled; 1: some failed (the
next run retries them); 78: the rules file or the S3 credentials are unusable.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import Counter

from .config import ExchangeConfigError, Location, Rule, S3Settings, load
from .journal import Journal
from .stores import Digest, DirStore, Item, S3Store, hash_file, s3_client

DEFAULT_CONFIG = "/etc/bots-exchange/rules.json"
# Test hook of the image tier's fault tests, at the window between a verified, recorded delivery
# and the source's action: "crash-after-delivered:N" exits at once (as a kill would) after the Nth
# file; "wait-after-delivered:N:PATH" waits there until PATH exists (the test stops S3 meanwhile).
TEST_HOOK_ENV = "BOTS_EXCHANGE_TEST_HOOK"


def _log(rule: str, message: str) -> None:
    print(f"exchange[{rule}] {message}", flush=True)


class RuleRun:
    def __init__(self, rule: Rule, env_dir: str, s3: S3Settings | None) -> None:
        self.rule = rule
        self.journal = Journal(os.path.join(env_dir, "botssys", "exchange", rule.name))
        self.work = self.journal.fresh_workdir()
        client = None
        if any(loc is not None and loc.is_s3 for loc in (rule.source, rule.destination, rule.archive)):
            if s3 is None:
                raise ExchangeConfigError(f"rule {rule.name} uses S3 but no S3 endpoint is configured")
            client = s3_client(s3)
        self.source = self._store(rule.source, client)
        self.destination = self._store(rule.destination, client)
        self.archive = self._store(rule.archive, client) if rule.archive else None
        self.counts: Counter[str] = Counter()
        self.hook = os.environ.get(TEST_HOOK_ENV, "").split(":", 2)

    def _store(self, loc: Location, client) -> DirStore | S3Store:
        return S3Store(loc, client) if loc.is_s3 else DirStore(loc, self.work)

    def log(self, message: str) -> None:
        _log(self.rule.name, message)

    def _local(self, item: Item) -> tuple[str, bool, Digest]:
        """A local file with the item's bytes and their digest; owned: a staged copy to remove."""
        path = self.source.local_path(item)
        if path is not None:
            digest = hash_file(path)
            if digest.size != item.size:
                raise RuntimeError(f"{item.name} changed size while read ({item.size} -> {digest.size})")
            return path, False, digest
        staged = os.path.join(self.work, f"stage-{os.getpid()}-{self.counts.total()}")
        return staged, True, self.source.stage(item, staged)

    def _finish(self, item: Item, record: dict, local: str | None = None, owned: bool = False) -> str:
        """The source's action after a verified delivery; returns what was done, for the log."""
        action = self.rule.after_copy
        if action == "keep":
            self.journal.keep(record)
            done = "kept"
        else:
            if action == "archive":
                if local is None:
                    local, owned, _digest = self._local(item)
                try:
                    digest = Digest(record["size"], record["sha256"], record["md5"])
                    archived = self.archive.deliver(local, digest, item.name, False)
                finally:
                    if owned and os.path.exists(local):
                        os.unlink(local)
                done = f"archived to {self.archive.describe(archived)}"
            else:
                done = "deleted"
            self.source.delete(item)
        self.journal.done(record)
        return done

    def run(self) -> Counter[str]:
        rule = self.rule
        started = time.monotonic()
        listing = self.source.list(rule.pattern)
        self.counts["listed"] = len(listing)
        by_name = {i.name: i for i in listing}
        for record in self.journal.pending():
            item = by_name.get(record["source"])
            if item is None or item.tag != record["tag"]:
                self.journal.done(record)
                continue
            listing.remove(item)
            try:
                done = self._finish(item, record)
                self.counts["completed"] += 1
                self.log(
                    f"completed {self.source.describe(item.name)}: delivered as "
                    f"{self.destination.describe(record['dest'])} by an earlier run; source {done}"
                )
            except Exception as exc:
                self.counts["failed"] += 1
                self.log(f"FAILED to complete {self.source.describe(item.name)}: {type(exc).__name__}: {exc}")
        if rule.after_copy == "keep":
            kept = self.journal.kept()
            for name, tag in kept.items():
                if by_name.get(name) is None or by_name[name].tag != tag:
                    self.journal.forget_kept(name)
            listing = [i for i in listing if kept.get(i.name) != i.tag]
        settled = None
        if isinstance(self.source, DirStore) and rule.settle_seconds > 0 and listing:
            time.sleep(rule.settle_seconds)
            settled = {i.name: i.tag for i in self.source.list(rule.pattern)}
        now = time.time()
        handled = 0
        for item in listing:
            where = self.source.describe(item.name)
            age = now - item.mtime
            if age < rule.min_age_seconds:
                self._skip(
                    f"{where}: written {age:.0f}s ago (minAgeSeconds {rule.min_age_seconds}), next run"
                )
                continue
            if settled is not None and settled.get(item.name) != item.tag:
                self._skip(f"{where}: changed within {rule.settle_seconds}s (still being written), next run")
                continue
            if item.size == 0 and rule.empty_files == "skip":
                self._skip(f"{where}: empty, left in place (emptyFiles skip)")
                continue
            if handled >= rule.max_files:
                self.counts["deferred"] += 1
                continue
            handled += 1
            self._move(item)
        seconds = time.monotonic() - started
        c = self.counts
        self.log(
            f"run done in {seconds:.1f}s: listed {c['listed']}, copied {c['copied']}, "
            f"completed {c['completed']}, skipped {c['skipped']}, deferred {c['deferred']} "
            f"(maxFiles {rule.max_files}), failed {c['failed']}, {c['bytes']} bytes"
        )
        return c

    def _test_hook(self, where: str) -> None:
        if len(self.hook) < 2 or self.counts["delivered"] != int(self.hook[1]):
            return
        if self.hook[0] == "crash-after-delivered":
            self.log(f"{TEST_HOOK_ENV}: exiting after delivering {where}")
            os._exit(137)
        if self.hook[0] == "wait-after-delivered":
            self.log(f"{TEST_HOOK_ENV}: waiting for {self.hook[2]} after delivering {where}")
            while not os.path.exists(self.hook[2]):
                time.sleep(0.2)

    def _skip(self, message: str) -> None:
        self.counts["skipped"] += 1
        self.log(f"skipped {message}")

    def _move(self, item: Item) -> None:
        where = self.source.describe(item.name)
        local, owned = None, False
        try:
            local, owned, digest = self._local(item)
            final = self.destination.deliver(local, digest, item.name, owned)
            record = self.journal.delivered(item, final, digest)
            self.counts["delivered"] += 1
            self._test_hook(where)
            if owned and not os.path.exists(local):
                local, owned = None, False  # consumed by the delivery (renamed into place)
            done = self._finish(item, record, local, owned)
            self.counts["copied"] += 1
            self.counts["bytes"] += digest.size
            renamed = "" if final == item.name else f" (renamed: {item.name} existed)"
            self.log(
                f"copied {where} -> {self.destination.describe(final)}{renamed}, {digest.size} bytes, "
                f"sha256 {digest.sha256[:12]}; source {done}"
            )
        except Exception as exc:
            self.counts["failed"] += 1
            self.log(f"FAILED {where}: {type(exc).__name__}: {exc}")
        finally:
            if owned and local and os.path.exists(local):
                os.unlink(local)


def env_dir() -> str:
    home = os.environ.get("BOTS_HOME", "/home/bots/.bots")
    return os.path.join(home, "env", os.environ.get("BOTSENV", "default"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bots-exchange", description=__doc__.split("\n")[0])
    parser.add_argument("--config", default=os.environ.get("BOTS_EXCHANGE_CONFIG", DEFAULT_CONFIG))
    parser.add_argument("--rule", action="append", default=[], help="run only these rules (default: all)")
    args = parser.parse_args(argv)
    try:
        rules, s3 = load(args.config, env_dir())
        unknown = sorted(set(args.rule) - {r.name for r in rules})
        if unknown:
            raise ExchangeConfigError(
                f"no such rule: {', '.join(unknown)} (rules: {', '.join(r.name for r in rules)})"
            )
        runs = [RuleRun(r, env_dir(), s3) for r in rules if not args.rule or r.name in args.rule]
    except (ExchangeConfigError, KeyError) as exc:
        print(f"exchange: configuration: {exc}", file=sys.stderr, flush=True)
        return 78
    failed = 0
    for run in runs:
        try:
            failed += run.run()["failed"]
        except Exception as exc:
            failed += 1
            run.log(f"FAILED: {type(exc).__name__}: {exc}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
