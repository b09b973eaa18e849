"""Where backups live: a directory (an existing claim) or an S3-compatible bucket (MinIO's client)."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass

from ..s3 import minio_client


class StoreError(RuntimeError):
    pass


@dataclass
class Entry:
    """One object of a backup folder: its name in the folder and size in bytes."""

    name: str
    size: int


class DirStore:
    """Backups as folders below ``root`` (an existing claim mounted in the pod)."""

    def __init__(self, root: str, stack: str) -> None:
        self.root = root
        self.stack = stack
        self.where = f"{root}/{stack}/"

    def _path(self, backup_id: str, name: str = "") -> str:
        return os.path.join(self.root, self.stack, backup_id, name)

    def ids(self) -> list[str]:
        base = os.path.join(self.root, self.stack)
        if not os.path.isdir(self.root):
            raise StoreError(f"backup directory {self.root} does not exist: is the backup claim mounted?")
        return (
            sorted(d for d in os.listdir(base) if os.path.isdir(os.path.join(base, d)))
            if os.path.isdir(base)
            else []
        )

    def entries(self, backup_id: str) -> list[Entry]:
        folder = self._path(backup_id)
        return [Entry(n, os.path.getsize(os.path.join(folder, n))) for n in sorted(os.listdir(folder))]

    def put(self, backup_id: str, name: str, source: str) -> None:
        os.makedirs(self._path(backup_id), exist_ok=True)
        partial = self._path(backup_id, f".{name}.partial")
        shutil.copyfile(source, partial)
        os.replace(partial, self._path(backup_id, name))

    def get(self, backup_id: str, name: str, dest: str) -> None:
        shutil.copyfile(self._path(backup_id, name), dest)

    def read(self, backup_id: str, name: str) -> bytes | None:
        try:
            with open(self._path(backup_id, name), "rb") as handle:
                return handle.read()
        except FileNotFoundError:
            return None

    def delete(self, backup_id: str) -> None:
        shutil.rmtree(self._path(backup_id))


class S3Store:
    """Backups as key prefixes ``<prefix>/<stack>/<id>/`` in a bucket (MinIO's client: path-style, v4)."""

    def __init__(
        self,
        endpoint: str,
        bucket: str,
        prefix: str,
        region: str,
        access_key: str,
        secret_key: str,
        stack: str,
    ) -> None:
        self.bucket = bucket
        self.base = "/".join(p for p in (prefix.strip("/"), stack) if p) + "/"
        self.where = f"s3://{bucket}/{self.base}"
        self.client = minio_client(endpoint, access_key, secret_key, region)

    def _call(self, what: str, func, *args, **kwargs):
        from minio.error import MinioException

        try:
            return func(*args, **kwargs)
        except MinioException as exc:
            raise StoreError(f"S3 {what} on {self.where}: {exc}") from exc
        except Exception as exc:  # urllib3's connection errors: the server is down or unreachable
            raise StoreError(f"S3 {what} on {self.where}: {type(exc).__name__}: {exc}") from exc

    def ensure_bucket(self) -> None:
        if not self._call("bucket check", self.client.bucket_exists, self.bucket):
            self._call("create bucket", self.client.make_bucket, self.bucket)

    def _objects(self, prefix: str) -> list:
        return self._call(
            "list", lambda: list(self.client.list_objects(self.bucket, prefix=prefix, recursive=True))
        )

    def ids(self) -> list[str]:
        if not self._call("bucket check", self.client.bucket_exists, self.bucket):
            return []
        ids = {o.object_name[len(self.base) :].split("/", 1)[0] for o in self._objects(self.base)}
        return sorted(i for i in ids if i)

    def entries(self, backup_id: str) -> list[Entry]:
        prefix = f"{self.base}{backup_id}/"
        return [Entry(o.object_name[len(prefix) :], int(o.size)) for o in self._objects(prefix)]

    def put(self, backup_id: str, name: str, source: str) -> None:
        self._call("upload", self.client.fput_object, self.bucket, f"{self.base}{backup_id}/{name}", source)

    def get(self, backup_id: str, name: str, dest: str) -> None:
        self._call("download", self.client.fget_object, self.bucket, f"{self.base}{backup_id}/{name}", dest)

    def read(self, backup_id: str, name: str) -> bytes | None:
        from minio.error import S3Error

        try:
            response = self.client.get_object(self.bucket, f"{self.base}{backup_id}/{name}")
        except S3Error as exc:
            if exc.code in ("NoSuchKey", "NoSuchBucket"):
                return None
            raise StoreError(f"S3 download on {self.where}: {exc}") from exc
        except Exception as exc:
            raise StoreError(f"S3 download on {self.where}: {type(exc).__name__}: {exc}") from exc
        try:
            return response.read()
        finally:
            response.close()
            response.release_conn()

    def delete(self, backup_id: str) -> None:
        from minio.deleteobjects import DeleteObject

        objects = [DeleteObject(o.object_name) for o in self._objects(f"{self.base}{backup_id}/")]
        errors = self._call("delete", lambda: list(self.client.remove_objects(self.bucket, objects)))
        if errors:
            raise StoreError(f"S3 delete on {self.where}: {errors[0]}")


Store = DirStore | S3Store


def _secret_file(var: str) -> str:
    path = os.environ.get(var, "")
    if not path:
        raise StoreError(f"{var} is not set: the file holding the S3 credential")
    with open(path, encoding="utf-8") as handle:
        return handle.read().strip()


def open_store(stack: str) -> Store:
    """The store the environment names (BACKUP_TARGET s3 or claim), for ``stack``'s backups."""
    target = os.environ.get("BACKUP_TARGET", "")
    if target == "claim":
        return DirStore(os.environ.get("BACKUP_DIR", "/backups"), stack)
    if target == "s3":
        return S3Store(
            endpoint=os.environ.get("BACKUP_S3_ENDPOINT", ""),
            bucket=os.environ["BACKUP_S3_BUCKET"],
            prefix=os.environ.get("BACKUP_S3_PREFIX", ""),
            region=os.environ.get("BACKUP_S3_REGION", "us-east-1"),
            access_key=_secret_file("BACKUP_S3_ACCESS_KEY_FILE"),
            secret_key=_secret_file("BACKUP_S3_SECRET_KEY_FILE"),
            stack=stack,
        )
    raise StoreError(f"BACKUP_TARGET={target!r}: expected s3 or claim")
