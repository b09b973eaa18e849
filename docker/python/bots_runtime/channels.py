"""Channel credentials from the stack's Secret, written into Bots' channel rows by init-db.

BOTS_CHANNEL_CREDENTIALS_FILE names a JSON file (the mounted Secret): channel id ->
{"password": ..., "keyfile": ...}. ``password`` goes into channel.secret (for an sftp channel with
a key file, Bots uses it as the key's passphrase); ``keyfile`` into channel.keyfile (the path of the
mounted private key). Nothing secret lives in the image or a plugin: the plugins carry the channels
without them, and every init-db run (after the plugins are installed, which may have rewritten the
rows from botsindex.json) sets them again.

A channel whose credentials were written by an earlier run and are no longer configured gets its
secret and keyfile cleared: the stack's config is the truth, as for plugins. The channels written
are recorded in Bots' persist table. Log lines name channels and fields, never values.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable

ENV = "BOTS_CHANNEL_CREDENTIALS_FILE"
MARKER_DOMAIN = "bots-runtime-channels"
MARKER_KEY = "managed"
FIELDS = {"password": "secret", "keyfile": "keyfile"}


class ChannelCredentialsError(Exception):
    """The credentials file is unreadable or names a channel the database does not hold."""


def load() -> dict[str, dict[str, str]]:
    """The configured credentials ({} when the variable is unset); checked before anything is written."""
    path = os.environ.get(ENV, "")
    if not path:
        return {}
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except (OSError, ValueError) as exc:
        raise ChannelCredentialsError(
            f"{ENV}={path}: cannot read the channel credentials: {type(exc).__name__}"
        ) from exc
    if not isinstance(data, dict):
        raise ChannelCredentialsError(f"{ENV}={path}: must hold a JSON object of channel ids")
    for channel, fields in data.items():
        if (
            not isinstance(fields, dict)
            or not fields
            or any(f not in FIELDS or not isinstance(v, str) for f, v in fields.items())
        ):
            raise ChannelCredentialsError(
                f"{ENV}: channel {channel!r} must map to an object of {', '.join(FIELDS)} (strings)"
            )
    return data


def _managed(cursor) -> list[str]:
    cursor.execute(
        "SELECT content FROM persist WHERE domein = %s AND botskey = %s", [MARKER_DOMAIN, MARKER_KEY]
    )
    row = cursor.fetchone()
    if not row:
        return []
    try:
        ids = json.loads(row[0])
    except ValueError:
        return []
    return [i for i in ids if isinstance(i, str)] if isinstance(ids, list) else []


def _record(cursor, ids: list[str]) -> None:
    cursor.execute("DELETE FROM persist WHERE domein = %s AND botskey = %s", [MARKER_DOMAIN, MARKER_KEY])
    cursor.execute(
        "INSERT INTO persist (domein, botskey, content) VALUES (%s, %s, %s)",
        [MARKER_DOMAIN, MARKER_KEY, json.dumps(sorted(ids))],
    )


def apply(credentials: dict[str, dict[str, str]], log: Callable[[str], None]) -> None:
    """Writes the credentials into the channel rows and clears those no longer configured; one transaction."""
    from bots import models
    from django.db import connection, transaction

    with transaction.atomic():
        with connection.cursor() as cursor:
            previous = _managed(cursor)
        missing = sorted(c for c in credentials if not models.channel.objects.filter(idchannel=c).exists())
        if missing:
            have = ", ".join(sorted(models.channel.objects.values_list("idchannel", flat=True))) or "none"
            raise ChannelCredentialsError(
                "botsChannelCredentials names channels the database does not hold: "
                f"{', '.join(missing)} (channels: {have})"
            )
        for channel_id in sorted(credentials):
            fields = credentials[channel_id]
            row = models.channel.objects.get(idchannel=channel_id)
            changes = {}
            for field, column in FIELDS.items():
                wanted = fields.get(field, "" if column == "secret" else None)
                if (getattr(row, column) or None) != (wanted or None):
                    changes[column] = wanted
            if changes:
                models.channel.objects.filter(idchannel=channel_id).update(**changes)
            said = ", ".join(
                f"{f} {'set' if f in fields else 'cleared'}" for f in FIELDS if FIELDS[f] in changes
            )
            log(f"channel {channel_id}: credentials {said or 'unchanged'} (from the stack's Secret)")
        for channel_id in sorted(set(previous) - set(credentials)):
            cleared = models.channel.objects.filter(idchannel=channel_id).update(secret="", keyfile=None)
            if cleared:
                log(f"channel {channel_id}: credentials cleared (no longer in the stack's Secret)")
        # Rewritten only when the set changes: a second init-db with the same Secret changes no row.
        if sorted(previous) != sorted(credentials):
            with connection.cursor() as cursor:
                _record(cursor, list(credentials))
