"""The rules file the program renders (components/kubernetes/file-exchange-cronjob.ts), checked.

{"s3": {"endpoint", "region", "accessKeyFile", "secretKeyFile"},
 "rules": [{"name", "from", "to", "pattern", "afterCopy", "archiveTo", "minAgeSeconds",
            "settleSeconds", "emptyFiles", "maxFiles"}]}

A location is ``s3://bucket/prefix/`` or a path relative to the Bots environment directory.
"""

from __future__ import annotations

import json
import os
import posixpath
from dataclasses import dataclass


class ExchangeConfigError(ValueError):
    pass


@dataclass(frozen=True)
class Location:
    """An S3 bucket and prefix (prefix '' or ending in '/'), or a directory."""

    bucket: str | None
    prefix: str
    directory: str | None

    @property
    def is_s3(self) -> bool:
        return self.bucket is not None

    def __str__(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}" if self.is_s3 else str(self.directory)


@dataclass(frozen=True)
class Rule:
    name: str
    source: Location
    destination: Location
    pattern: str
    after_copy: str  # delete | archive | keep
    archive: Location | None
    min_age_seconds: int
    settle_seconds: int
    empty_files: str  # skip | deliver
    max_files: int


@dataclass(frozen=True)
class S3Settings:
    endpoint: str
    region: str
    access_key: str
    secret_key: str


def location(value: str, env_dir: str, what: str) -> Location:
    if value.startswith("s3://"):
        bucket, _, prefix = value[len("s3://") :].partition("/")
        if not bucket:
            raise ExchangeConfigError(f"{what}: {value!r} names no bucket")
        prefix = prefix.strip("/")
        return Location(bucket=bucket, prefix=f"{prefix}/" if prefix else "", directory=None)
    normalised = posixpath.normpath(value)
    if posixpath.isabs(value) or normalised == "." or normalised.startswith(".."):
        raise ExchangeConfigError(
            f"{what}: {value!r} must be s3://bucket/prefix or a path inside the Bots environment"
        )
    return Location(bucket=None, prefix="", directory=os.path.join(env_dir, normalised))


def _read_secret(path: str, what: str) -> str:
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read().strip()
    except OSError as exc:
        raise ExchangeConfigError(f"{what}: cannot read {path}: {exc.strerror}") from exc


def load(path: str, env_dir: str) -> tuple[list[Rule], S3Settings | None]:
    try:
        with open(path, encoding="utf-8") as handle:
            raw = json.load(handle)
    except (OSError, ValueError) as exc:
        raise ExchangeConfigError(f"{path}: cannot read the exchange rules: {exc}") from exc
    rules = []
    for r in raw.get("rules", []):
        name = r["name"]
        after = r.get("afterCopy", "delete")
        if after not in ("delete", "archive", "keep"):
            raise ExchangeConfigError(f"rule {name}: afterCopy must be delete, archive or keep")
        archive = location(r["archiveTo"], env_dir, f"rule {name} archiveTo") if after == "archive" else None
        rules.append(
            Rule(
                name=name,
                source=location(r["from"], env_dir, f"rule {name} from"),
                destination=location(r["to"], env_dir, f"rule {name} to"),
                pattern=r.get("pattern", "*"),
                after_copy=after,
                archive=archive,
                min_age_seconds=int(r.get("minAgeSeconds", 30)),
                settle_seconds=int(r.get("settleSeconds", 2)),
                empty_files=r.get("emptyFiles", "skip"),
                max_files=int(r.get("maxFiles", 1000)),
            )
        )
    s3 = None
    if "s3" in raw:
        s = raw["s3"]
        s3 = S3Settings(
            endpoint=s["endpoint"],
            region=s.get("region", "us-east-1"),
            access_key=_read_secret(s["accessKeyFile"], "s3 access key"),
            secret_key=_read_secret(s["secretKeyFile"], "s3 secret key"),
        )
    return rules, s3
