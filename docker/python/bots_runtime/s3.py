"""The S3 client of the backups and the file exchange: MinIO's (path-style, signature v4), one for both.

Over http the payload's SHA-256 is signed and over https each PUT carries Content-MD5, so the
server refuses bytes that differ from what was sent. A down server fails a run within about a
minute, not after the long default retries.
"""

from __future__ import annotations

import urllib.parse


def minio_client(endpoint: str, access_key: str, secret_key: str, region: str):
    """A client for ``endpoint`` (``https://host:port``, ``http://...``, or a bare host meaning https)."""
    import urllib3
    from minio import Minio

    url = urllib.parse.urlsplit(endpoint if "://" in endpoint else f"https://{endpoint}")
    http = urllib3.PoolManager(
        timeout=urllib3.Timeout(connect=10, read=120),
        retries=urllib3.Retry(total=3, backoff_factor=1, status_forcelist=[500, 502, 503, 504]),
    )
    return Minio(
        url.netloc,
        access_key=access_key,
        secret_key=secret_key,
        secure=url.scheme == "https",
        region=region,
        http_client=http,
    )
