"""Where files are: a directory of the Bots environment, or an S3 bucket prefix.

Both list the files directly in them (no recursion), read a file while hashing it, and deliver a
local file under a name that does not exist yet, verified by size and checksum before they return:
a directory by writing a temporary file in the rule's work dir (same volume), re-reading it and
renaming it into place without replacing anything (Bots' channels and directory monitor see only
complete files: the rename is one step); S3 by one PUT carrying Content-MD5 (the server refuses
bytes that do not match) and the SHA-256 as metadata, checked with a HEAD afterwards.
"""

from __future__ import annotations

import base64
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

from .config import Location, S3Settings

CHUNK = 1024 * 1024


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
        for page in self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=self.prefix, Delimiter="/"
        ):
            for obj in page.get("Contents", []):
                name = obj["Key"][len(self.prefix) :]
                # Hidden names are skipped as in a directory; "." and ".." would leave the destination.
                if name and not name.startswith(".") and fnmatch.fnmatchcase(name, pattern):
                    found.append(
                        Item(name, obj["Size"], obj["LastModified"].timestamp(), obj["ETag"].strip('"'))
                    )
        return sorted(found, key=lambda i: i.name)

    def stage(self, item: Item, into: str) -> Digest:
        obj = self.client.get_object(Bucket=self.bucket, Key=self.prefix + item.name)
        with open(into, "wb") as dst:
            digest = copy_hashing(obj["Body"].iter_chunks(CHUNK), dst)
        if digest.size != item.size or digest.size != obj["ContentLength"]:
            raise VerifyError(f"{item.name}: read {digest.size} bytes, listed with {item.size}")
        if _plain_md5(item.tag) and item.tag != digest.md5:
            raise VerifyError(
                f"{item.name}: read bytes with md5 {digest.md5}, the object's ETag is {item.tag}"
            )
        return digest

    def local_path(self, item: Item) -> None:
        return None

    def exists(self, name: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=self.prefix + name)
            return True
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise

    def deliver(self, local: str, digest: Digest, name: str, owned: bool) -> str:
        for candidate in collision_names(name, digest):
            if self.exists(candidate):
                continue
            key = self.prefix + candidate
            with open(local, "rb") as body:
                self.client.put_object(
                    Bucket=self.bucket,
                    Key=key,
                    Body=body,
                    ContentLength=digest.size,
                    ContentMD5=base64.b64encode(bytes.fromhex(digest.md5)).decode(),
                    Metadata={"sha256": digest.sha256},
                )
            head = self.client.head_object(Bucket=self.bucket, Key=key)
            etag = head["ETag"].strip('"')
            if (
                head["ContentLength"] != digest.size
                or head.get("Metadata", {}).get("sha256") != digest.sha256
                or (_plain_md5(etag) and etag != digest.md5)
            ):
                raise VerifyError(f"{self.describe(candidate)}: stored object differs from the source")
            return candidate
        raise RuntimeError(f"{name}: no free name in s3://{self.bucket}/{self.prefix}")

    def delete(self, item: Item) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self.prefix + item.name)


def _plain_md5(etag: str) -> bool:
    """A single-part upload's ETag is the content's MD5 (multipart and SSE-KMS ones are not)."""
    return len(etag) == 32 and all(c in "0123456789abcdef" for c in etag)


def s3_client(settings: S3Settings):
    import boto3
    from botocore.config import Config

    return boto3.session.Session().client(
        "s3",
        endpoint_url=settings.endpoint,
        aws_access_key_id=settings.access_key,
        aws_secret_access_key=settings.secret_key,
        region_name=settings.region,
        config=Config(
            s3={"addressing_style": "path"},
            connect_timeout=5,
            read_timeout=60,
            retries={"max_attempts": 3, "mode": "standard"},
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
        ),
    )
