"""Encryption at rest with age (Debian's age): each part is encrypted to the recipient of the
identity in BACKUP_ENCRYPTION_KEY_FILE (an ``AGE-SECRET-KEY-1...`` line, made by age-keygen)."""

from __future__ import annotations

import os
import subprocess

SUFFIX = ".age"


def key_file() -> str | None:
    return os.environ.get("BACKUP_ENCRYPTION_KEY_FILE") or None


def _age(args: list[str]) -> None:
    result = subprocess.run(["age", *args], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"age {args[0]} failed: {result.stderr.strip()}")


def encrypt(key: str, source: str, dest: str) -> None:
    _age(["--encrypt", "--identity", key, "--output", dest, source])


def decrypt(key: str, source: str, dest: str) -> None:
    _age(["--decrypt", "--identity", key, "--output", dest, source])
