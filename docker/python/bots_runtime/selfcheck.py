"""Build-time check (python3 -m bots_runtime.selfcheck): the runtime imports what each service needs.

The PostgreSQL driver is the one the installed Bots' engine opens: psycopg (3) for Bots 4,
psycopg2 for 3.3.1. Prints the versions.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys

from .paths import bots_major, bots_version


def main() -> int:
    modules = ["bots", "django", "cheroot", "cherrypy", "pyinotify", "MySQLdb", "bots_runtime.plugins"]
    modules.append("minio")  # the S3 client of bots-backup and bots-exchange (bots_runtime.s3)
    modules.append("psycopg" if bots_major() >= 4 else "psycopg2")
    if bots_major() >= 4:
        modules += ["genshi", "paramiko", "pdfminer", "xlrd"]
        if _has_tree_health():
            modules.append("bots.healthcheck")
    for name in modules:
        importlib.import_module(name)
    import django

    python = sys.version.split()[0]
    print(f"bots {bots_version()}, django {django.get_version()}, python {python}: {', '.join(modules)}")
    return 0


def _has_tree_health() -> bool:
    return importlib.util.find_spec("bots.healthcheck") is not None


if __name__ == "__main__":
    sys.exit(main())
