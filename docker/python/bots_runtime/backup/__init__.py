"""bots-backup: consistent backups of a Bots environment, their listing and their restore.

A backup is a folder ``<stack>/<id>/`` in the target (an S3-compatible bucket under a prefix, or a
directory on an existing claim) holding the database dump, a tar of the environment's files
(usersys, botssys, the assembled config) and ``manifest.json`` (written last: a folder without it
is an unfinished backup). See docs/backups.md.
"""
