"""Plugins baked into the image, installed by init-db with Bots' own plugin reader.

Layout (BOTS_PLUGIN_DIR, default /opt/bots/plugins): one folder per plugin, as Bots makes them
(``botsindex.json``, ``usersys/``, ``botssys/``), and ``plugins.txt``: the folder names in install
order (without it: every folder, sorted by name). BOTS_PLUGINS (names separated by commas or spaces)
installs only those of them (default: all); so one image can carry plugins for several
environments.

- discover() and routes_to_activate() check everything before anything is written: every listed
  folder exists and holds botsindex.json; no route id is defined by two of the plugins (Bots would
  let the later overwrite the earlier); no usersys file is installed by two of the plugins with
  different content (Bots' reader overwrites it and only logs "Overwritten file"); every route in
  BOTS_ACTIVATE_ROUTES (names separated by commas or spaces) is a route of one of the plugins.
  Errors name the plugins / route / file.
- install(): a plugin is installed (zip of its folder -> bots.pluglib.read_plugin) unless the
  database records this exact content (sha256 of the folder) as installed and its usersys files
  are on the volume unchanged; so a second run writes nothing. All database writes of one run
  are one transaction: a failure leaves the database as it was (files of a plugin that were
  written before the failure are rewritten by the next run, which sees no record).
- Bots imports every route inactive on purpose; afterwards exactly the routes named in
  BOTS_ACTIVATE_ROUTES are active among the plugins' routes (others of theirs inactive; routes not
  from a plugin are left alone).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import sys
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field

from .paths import bots_major, plugin_dir

ORDER_FILE = "plugins.txt"
MARKER_DOMAIN = "bots-runtime-plugin"
# Files of usersys/ that Bots' reader installs (pluglib.read_plugin): the ones compared on re-runs.
_INSTALLED_SUFFIXES = (".py", ".html", "/index.json")


class PluginConfigError(Exception):
    """A plugin or route named in the configuration is missing or invalid."""


@dataclass
class Plugin:
    name: str
    path: str
    digest: str
    routes: list[str] = field(default_factory=list)


def _digest(path: str) -> str:
    sha = hashlib.sha256()
    for root, dirs, files in os.walk(path):
        dirs.sort()
        for name in sorted(files):
            full = os.path.join(root, name)
            rel = os.path.relpath(full, path)
            sha.update(rel.encode() + b"\0")
            with open(full, "rb") as handle:
                sha.update(hashlib.sha256(handle.read()).digest())
    return sha.hexdigest()


def _names(root: str) -> list[str]:
    order = os.path.join(root, ORDER_FILE)
    if os.path.isfile(order):
        with open(order, encoding="utf-8") as handle:
            return [line.strip() for line in handle if line.strip() and not line.startswith("#")]
    return sorted(d for d in os.listdir(root) if os.path.isdir(os.path.join(root, d)))


def _split(value: str) -> list[str]:
    return [item for item in re.split(r"[\s,]+", value) if item]


def discover(root: str | None = None) -> list[Plugin]:
    root = root or plugin_dir()
    names = _names(root) if os.path.isdir(root) else []
    selected = _split(os.environ.get("BOTS_PLUGINS", ""))
    for name in selected:
        if name not in names:
            there = ", ".join(names) or "none"
            raise PluginConfigError(f"BOTS_PLUGINS: plugin {name!r} is not in {root} (there: {there})")
    if selected:
        names = [n for n in names if n in selected]
    found = []
    for name in names:
        path = os.path.join(root, name)
        if not os.path.isdir(path):
            raise PluginConfigError(f"plugin {name!r}: folder {path} does not exist (listed in {ORDER_FILE})")
        index = os.path.join(path, "botsindex.json")
        if not os.path.isfile(index):
            raise PluginConfigError(
                f"plugin {name!r}: no botsindex.json in {path} "
                "(a Bots plugin folder holds botsindex.json, usersys/ and botssys/)"
            )
        try:
            with open(index, encoding="utf-8") as handle:
                entries = json.load(handle)["plugins"]
            routes = sorted({r["idroute"] for r in entries.get("routes", [])})
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise PluginConfigError(
                f"plugin {name!r}: {index} is not a Bots index: {type(exc).__name__}: {exc}"
            ) from exc
        found.append(Plugin(name=name, path=path, digest=_digest(path), routes=routes))
    owner: dict[str, str] = {}
    for plugin in found:
        for route in plugin.routes:
            if route in owner:
                raise PluginConfigError(
                    f"route {route!r} is defined by plugins {owner[route]!r} and {plugin.name!r}; "
                    "install only one of them (BOTS_PLUGINS)"
                )
            owner[route] = plugin.name
    conflicts = _file_conflicts(found)
    if conflicts:
        raise PluginConfigError("; ".join(conflicts))
    if found and bots_major() < 4:
        raise PluginConfigError(
            f"plugins ({', '.join(p.name for p in found)}) need Bots 4 (botsindex.json); "
            "this image runs Bots 3"
        )
    return found


def _usersys_files(path: str) -> list[str]:
    """The files of a plugin folder's usersys/ that Bots' reader installs, relative to usersys/."""
    source = os.path.join(path, "usersys")
    found = []
    for root, _dirs, files in os.walk(source):
        for name in files:
            rel = os.path.relpath(os.path.join(root, name), source)
            if ("/" + rel).endswith(_INSTALLED_SUFFIXES) and not name.startswith("__init__."):
                found.append(rel)
    return sorted(found)


def _file_conflicts(found: list[Plugin]) -> list[str]:
    """One message per usersys file that plugins install with different content.

    Bots' reader writes the plugins one after the other: the last one's file wins and the reader
    only logs "Overwritten file", so an earlier plugin's route would run with another's grammar or
    mapping. Files with the same content (shared grammars) are fine.
    """
    contents: dict[str, list[tuple[str, bytes]]] = {}
    for plugin in found:
        for rel in _usersys_files(plugin.path):
            with open(os.path.join(plugin.path, "usersys", rel), "rb") as handle:
                digest = hashlib.sha256(handle.read()).digest()
            contents.setdefault(rel, []).append((plugin.name, digest))
    problems = []
    for rel, owners in sorted(contents.items()):
        if len({digest for _name, digest in owners}) > 1:
            names = [repr(name) for name, _digest in owners]
            listed = ", ".join(names[:-1]) + " and " + names[-1]
            problems.append(
                f"plugins {listed} install usersys/{rel} with different content (Bots' plugin reader "
                "keeps the last one written and only logs \"Overwritten file\"): make the files "
                "identical or install only one of these plugins (BOTS_PLUGINS)"
            )
    return problems


def routes_to_activate(baked: list[Plugin]) -> list[str]:
    wanted = _split(os.environ.get("BOTS_ACTIVATE_ROUTES", ""))
    if wanted and not baked:
        raise PluginConfigError(
            f"BOTS_ACTIVATE_ROUTES names {', '.join(wanted)} but the image holds no plugins"
        )
    known = {route for plugin in baked for route in plugin.routes}
    for route in wanted:
        if route not in known:
            listing = "; ".join(f"{p.name}: {', '.join(p.routes) or '(no routes)'}" for p in baked)
            raise PluginConfigError(
                f"BOTS_ACTIVATE_ROUTES: route {route!r} is in none of the plugins ({listing})"
            )
    return sorted(set(wanted))


def _marker_key(name: str) -> str:
    # persist.botskey holds 35 characters; plugin folder names can be longer.
    return hashlib.sha256(name.encode()).hexdigest()[:32]


def _recorded_digest(cursor, name: str) -> str | None:
    cursor.execute(
        "SELECT content FROM persist WHERE domein = %s AND botskey = %s", [MARKER_DOMAIN, _marker_key(name)]
    )
    row = cursor.fetchone()
    if not row:
        return None
    try:
        return json.loads(row[0]).get("digest")
    except ValueError:
        return None


def _record(cursor, plugin: Plugin) -> None:
    key = _marker_key(plugin.name)
    cursor.execute("DELETE FROM persist WHERE domein = %s AND botskey = %s", [MARKER_DOMAIN, key])
    content = json.dumps({"name": plugin.name, "digest": plugin.digest})
    cursor.execute(
        "INSERT INTO persist (domein, botskey, content) VALUES (%s, %s, %s)", [MARKER_DOMAIN, key, content]
    )


def _usersys_in_place(plugin: Plugin, usersysabs: str) -> bool:
    for rel in _usersys_files(plugin.path):
        try:
            with (
                open(os.path.join(plugin.path, "usersys", rel), "rb") as source,
                open(os.path.join(usersysabs, rel), "rb") as target,
            ):
                if source.read() != target.read():
                    return False
        except OSError:
            return False
    return True


def _zip(plugin: Plugin, workdir: str) -> str:
    target = os.path.join(workdir, f"{plugin.name}.zip")
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for root, dirs, files in os.walk(plugin.path):
            dirs.sort()
            for name in sorted(files):
                full = os.path.join(root, name)
                archive.write(full, os.path.relpath(full, plugin.path))
    return target


def _bots_logger() -> None:
    """pluglib logs through botsglobal.logger, which only Bots' own start functions set."""
    from bots import botsglobal

    if getattr(botsglobal, "logger", None) is None:
        logger = logging.getLogger("bots.plugins")
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(logging.Formatter("init-db: bots: %(levelname)s %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.WARNING)
        logger.propagate = False
        botsglobal.logger = logger


def install(baked: list[Plugin], activate: list[str], log: Callable[[str], None]) -> None:
    if not baked:
        log(f"no plugins in {plugin_dir()}")
        return
    from bots import botsglobal, models, pluglib
    from django.db import connection, transaction

    _bots_logger()
    usersysabs = botsglobal.ini.get("directories", "usersysabs")
    with transaction.atomic(), tempfile.TemporaryDirectory(prefix="bots-plugins-") as workdir:
        with connection.cursor() as cursor:
            pending = [
                p for p in baked
                if _recorded_digest(cursor, p.name) != p.digest or not _usersys_in_place(p, usersysabs)
            ]
        for plugin in baked:
            if plugin not in pending:
                log(f"plugin {plugin.name}: installed (sha256 {plugin.digest[:12]}), unchanged")
        for plugin in pending:
            try:
                report = pluglib.read_plugin(_zip(plugin, workdir))
            except Exception as exc:
                raise RuntimeError(f"plugin {plugin.name!r}: Bots' plugin reader failed: {exc}") from exc
            with connection.cursor() as cursor:
                _record(cursor, plugin)
            log(
                f"plugin {plugin.name}: installed (sha256 {plugin.digest[:12]}): "
                f"{len(report.get('installed', []))} files, routes {', '.join(plugin.routes) or '-'}"
            )
        changed = 0
        for plugin in baked:
            for route in plugin.routes:
                active = route in activate
                rows = models.routes.objects.filter(idroute=route).exclude(active=active)
                changed += rows.update(active=active)
        log(f"routes active: {', '.join(activate) or '(none)'}; {changed} route rows changed")
