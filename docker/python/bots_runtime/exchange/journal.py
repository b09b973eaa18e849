"""What a rule's runs remember on the data volume, under botssys/exchange/<rule>/.

delivered/: one record per file whose copy is complete and verified but whose source is not yet
deleted, archived or marked kept. A run killed in that window leaves it; the next run finishes the
source's action for it instead of delivering the file again. kept/: for afterCopy keep, the
files (name and identity) already delivered, so a kept source is delivered once; a record goes
when its source does. work/: the files being written (a run removes what a killed one left).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil

from .stores import Digest, Item


def _key(name: str) -> str:
    return hashlib.sha256(name.encode()).hexdigest()[:32]


def _write(path: str, record: dict) -> None:
    temp = f"{path}.tmp"
    with open(temp, "w", encoding="utf-8") as handle:
        json.dump(record, handle)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temp, path)


def _read_all(directory: str) -> list[dict]:
    records = []
    if os.path.isdir(directory):
        for name in sorted(os.listdir(directory)):
            if name.endswith(".json"):
                with open(os.path.join(directory, name), encoding="utf-8") as handle:
                    records.append(json.load(handle))
    return records


class Journal:
    def __init__(self, base: str) -> None:
        self.delivered_dir = os.path.join(base, "delivered")
        self.kept_dir = os.path.join(base, "kept")
        self.work = os.path.join(base, "work")

    def fresh_workdir(self) -> str:
        shutil.rmtree(self.work, ignore_errors=True)
        os.makedirs(self.work)
        os.makedirs(self.delivered_dir, exist_ok=True)
        os.makedirs(self.kept_dir, exist_ok=True)
        return self.work

    def pending(self) -> list[dict]:
        return _read_all(self.delivered_dir)

    def delivered(self, item: Item, dest: str, digest: Digest) -> dict:
        record = {
            "source": item.name,
            "tag": item.tag,
            "dest": dest,
            "size": digest.size,
            "sha256": digest.sha256,
            "md5": digest.md5,
        }
        _write(os.path.join(self.delivered_dir, f"{_key(item.name)}.json"), record)
        return record

    def done(self, record: dict) -> None:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(os.path.join(self.delivered_dir, f"{_key(record['source'])}.json"))

    def keep(self, record: dict) -> None:
        _write(
            os.path.join(self.kept_dir, f"{_key(record['source'])}.json"),
            {"source": record["source"], "tag": record["tag"]},
        )

    def kept(self) -> dict[str, str]:
        return {r["source"]: r["tag"] for r in _read_all(self.kept_dir)}

    def forget_kept(self, name: str) -> None:
        os.unlink(os.path.join(self.kept_dir, f"{_key(name)}.json"))
