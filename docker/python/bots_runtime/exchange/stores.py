"""Where files are: a directory of the Bots environment, or an S3 bucket prefix.

Both list the files directly in them (no recursion), read a file while hashing it, and deliver a
local file under a name that does not exist yet, verified by size and checksum before they return:
a directory by writing a temporary file in the rule's work dir (same volume), re-reading it and
renaming it into place without replacing anything (Bots' channels and directory monitor see only
complete files: the rename is one step); S3 by a PUT (multipart above PART_SIZE) whose bytes the
server checks (bots_runtime.s3) with the SHA-256 as metadata, checked with a HEAD afterwards.
"""

from __future__ import annotations

import ctypes
import errno
import fnmatch
import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from ..s3 import minio_client
from .config import Location, S3Settings

CHUNK = 1024 * 1024
# Larger files go up in parts of this size, each held in memory once (the default 5 MiB means
# 40 requests for a 200 MiB file).
PART_SIZE = 32 * 1024 * 1024


@dataclass(frozen=True)
class Item:
    """A file at a location: its name there, size, modification time and identity tag."""

    name: str
    size: int
    mtime: float
    tag: str


@dataclass(frozen=True)
class Digest:
    size: int
    sha256: str
    md5: str


class VerifyError(RuntimeError):
    """A copy's size or checksum differs from its source's."""


def hash_file(path: str) -> Digest:
    sha, md5, size = hashlib.sha256(), hashlib.md5(usedforsecurity=False), 0
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            sha.update(chunk)
            md5.update(chunk)
            size += len(chunk)
    return Digest(size, sha.hexdigest(), md5.hexdigest())


def copy_hashing(reader: BinaryIO | Iterator[bytes], writer: BinaryIO) -> Digest:
    sha, md5, size = hashlib.sha256(), hashlib.md5(usedforsecurity=False), 0
    chunks = iter(lambda: reader.read(CHUNK), b"") if hasattr(reader, "read") else reader
    for chunk in chunks:
        writer.write(chunk)
        sha.update(chunk)
        md5.update(chunk)
        size += len(chunk)
    return Digest(size, sha.hexdigest(), md5.hexdigest())


def collision_names(name: str, digest: Digest) -> Iterator[str]:
    """The name, then deterministic alternatives: the content's digest before the extension, a counter."""
    stem, dot, ext = name.rpartition(".")
    if not stem:
        stem, dot, ext = name, "", ""
    yield name
    short = digest.sha256[:12]
    yield f"{stem}.{short}{dot}{ext}"
    for n in range(2, 1000):
        yield f"{stem}.{short}-{n}{dot}{ext}"


_libc = ctypes.CDLL(None, use_errno=True)
_AT_FDCWD = -100
_RENAME_NOREPLACE = 1


def rename_noreplace(src: str, dst: str) -> None:
    """Renames src to dst in one step, refusing to replace dst (FileExistsError)."""
    renameat2 = getattr(_libc, "renameat2", None)
    if renameat2 is not None:
        if renameat2(_AT_FDCWD, src.encode(), _AT_FDCWD, dst.encode(), _RENAME_NOREPLACE) == 0:
            return
        err = ctypes.get_errno()
        if err == errno.EEXIST:
            raise FileExistsError(errno.EEXIST, "exists", dst)
        if err not in (errno.EINVAL, errno.ENOSYS):
            raise OSError(err, os.strerror(err), dst)
    # A filesystem without RENAME_NOREPLACE (some NFS servers): runs of a rule never overlap, so
    # nothing of ours writes dst between the check and the rename.
    if os.path.lexists(dst):
        raise FileExistsError(errno.EEXIST, "exists", dst)
    os.rename(src, dst)


class DirStore:
    def __init__(self, loc: Location, workdir: str) -> None:
        self.root = str(loc.directory)
        self.workdir = workdir

    def describe(self, name: str) -> str:
        return os.path.join(self.root, name)

    def list(self, pattern: str) -> list[Item]:
        if not os.path.isdir(self.root):
            return []
        found = []
        with os.scandir(self.root) as entries:
            for e in entries:
                if e.name.startswith(".") or not e.is_file(follow_symlinks=False):
                    continue
                if fnmatch.fnmatchcase(e.name, pattern):
                    st = e.stat(follow_symlinks=False)
                    found.append(Item(e.name, st.st_size, st.st_mtime, f"{st.st_size}:{st.st_mtime_ns}"))
        return sorted(found, key=lambda i: (i.mtime, i.name))

    def stage(self, item: Item, into: str) -> Digest:
        with open(os.path.join(self.root, item.name), "rb") as src, open(into, "wb") as dst:
            digest = copy_hashing(src, dst)
        if digest.size != item.size:
            raise VerifyError(f"{item.name}: read {digest.size} bytes, listed with {item.size}")
        return digest

    def local_path(self, item: Item) -> str:
        return os.path.join(self.root, item.name)

    def exists(self, name: str) -> bool:
        return os.path.lexists(os.path.join(self.root, name))

    def deliver(self, local: str, digest: Digest, name: str, owned: bool) -> str:
        """Delivers the local file under a free name near `name`; owned: local is a staged copy to use up."""
        os.makedirs(self.root, exist_ok=True)
        os.makedirs(self.workdir, exist_ok=True)
        if owned and os.stat(local).st_dev == os.stat(self.workdir).st_dev:
            temp = local
        else:
            fd, temp = tempfile.mkstemp(prefix="deliver-", suffix=".part", dir=self.workdir)
            with open(local, "rb") as src, os.fdopen(fd, "wb") as dst:
                shutil.copyfileobj(src, dst, CHUNK)
        with open(temp, "rb+") as handle:
            os.fsync(handle.fileno())
        written = hash_file(temp)
        if (written.size, written.sha256) != (digest.size, digest.sha256):
            os.unlink(temp)
            raise VerifyError(
                f"{name}: the copy has {written.size} bytes sha256 {written.sha256[:12]}, the source "
                f"{digest.size} bytes sha256 {digest.sha256[:12]}"
            )
        for candidate in collision_names(name, digest):
            try:
                rename_noreplace(temp, os.path.join(self.root, candidate))
                return candidate
            except FileExistsError:
                continue
        raise RuntimeError(f"{name}: no free name in {self.root}")

    def delete(self, item: Item) -> None:
        os.unlink(os.path.join(self.root, item.name))


class S3Store:
    def __init__(self, loc: Location, client) -> None:
        self.bucket = str(loc.bucket)
        self.prefix = loc.prefix
        self.client = client

    def describe(self, name: str) -> str:
        return f"s3://{self.bucket}/{self.prefix}{name}"

    def list(self, pattern: str) -> list[Item]:
        found = []
        for obj in self.client.list_objects(self.bucket, prefix=self.prefix, recursive=False):
            if obj.is_dir:
                continue
            name = obj.object_name[len(self.prefix) :]
            # Hidden names are skipped as in a directory; "." and ".." would leave the destination.
            if name and not name.startswith(".") and fnmatch.fnmatchcase(name, pattern):
                found.append(Item(name, obj.size, obj.last_modified.timestamp(), obj.etag))
        return sorted(found, key=lambda i: i.name)

    def stage(self, item: Item, into: str) -> Digest:
        response = self.client.get_object(self.bucket, self.prefix + item.name)
        try:
            length = int(response.headers.get("Content-Length", "-1"))
            with open(into, "wb") as dst:
                digest = copy_hashing(response.stream(CHUNK), dst)
        finally:
            response.close()
            response.release_conn()
        if digest.size != item.size or digest.size != length:
            raise VerifyError(f"{item.name}: read {digest.size} bytes, listed with {item.size}")
        if _plain_md5(item.tag) and item.tag != digest.md5:
            raise VerifyError(
                f"{item.name}: read bytes with md5 {digest.md5}, the object's ETag is {item.tag}"
            )
        return digest

    def local_path(self, item: Item) -> None:
        return None

    def exists(self, name: str) -> bool:
        from minio.error import S3Error

        try:
            self.client.stat_object(self.bucket, self.prefix + name)
            return True
        except S3Error as exc:
            if exc.code in ("NoSuchKey", "NotFound", "ResourceNotFound"):
                return False
            raise

    def deliver(self, local: str, digest: Digest, name: str, owned: bool) -> str:
        for candidate in collision_names(name, digest):
            if self.exists(candidate):
                continue
            key = self.prefix + candidate
            with open(local, "rb") as body:
                self.client.put_object(
                    self.bucket,
                    key,
                    body,
                    digest.size,
                    metadata={"sha256": digest.sha256},
                    part_size=PART_SIZE,
                )
            head = self.client.stat_object(self.bucket, key)
            if (
                head.size != digest.size
                or head.metadata.get("x-amz-meta-sha256") != digest.sha256
                or (_plain_md5(head.etag) and head.etag != digest.md5)
            ):
                raise VerifyError(f"{self.describe(candidate)}: stored object differs from the source")
            return candidate
        raise RuntimeError(f"{name}: no free name in s3://{self.bucket}/{self.prefix}")

    def delete(self, item: Item) -> None:
        self.client.remove_object(self.bucket, self.prefix + item.name)


def _plain_md5(etag: str) -> bool:
    """A single-part upload's ETag is the content's MD5 (multipart and SSE-KMS ones are not)."""
    return len(etag) == 32 and all(c in "0123456789abcdef" for c in etag)


def s3_client(settings: S3Settings):
    return minio_client(settings.endpoint, settings.access_key, settings.secret_key, settings.region)
