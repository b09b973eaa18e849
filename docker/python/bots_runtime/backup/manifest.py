"""manifest.json: what a backup holds and how to check it."""

from __future__ import annotations

import hashlib
import json

FORMAT = 1
NAME = "manifest.json"


def sha256_file(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def dumps(manifest: dict) -> bytes:
    return (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode()


def loads(data: bytes, where: str) -> dict:
    try:
        manifest = json.loads(data)
    except ValueError as exc:
        raise ValueError(f"{where}: manifest.json is not JSON ({exc})") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT or "parts" not in manifest:
        raise ValueError(f"{where}: manifest.json is not a format-{FORMAT} backup manifest")
    return manifest
