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
- The plugins of this run are the truth. Bots imports every route inactive on purpose; afterwards
  exactly the routes named in BOTS_ACTIVATE_ROUTES are active among the plugins' routes (others of
  theirs inactive). A route that came from a plugin recorded earlier (each record keeps the
  plugin's route ids) and that none of this run's plugins defines is set inactive: the plugin was
  taken out of the image (or BOTS_PLUGINS), or its new version dropped the route. Its rows, usersys
  files and record are kept. Routes not from a plugin are left alone. One log line per route whose
  activity changed.
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


def _records(cursor) -> dict[str, dict]:
    """The plugin records, by plugin name: {"name", "digest", "routes"}.

    Records of images before routes were recorded lack "routes".
    """
    cursor.execute("SELECT content FROM persist WHERE domein = %s", [MARKER_DOMAIN])
    records = {}
    for (content,) in cursor.fetchall():
        try:
            record = json.loads(content)
        except ValueError:
            continue
        if isinstance(record, dict) and isinstance(record.get("name"), str):
            records[record["name"]] = record
    return records


def _record(cursor, plugin: Plugin) -> None:
    key = _marker_key(plugin.name)
    cursor.execute("DELETE FROM persist WHERE domein = %s AND botskey = %s", [MARKER_DOMAIN, key])
    content = json.dumps({"name": plugin.name, "digest": plugin.digest, "routes": plugin.routes})
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


def _stale_routes(
    baked: list[Plugin], records: dict[str, dict], log: Callable[[str], None]
) -> dict[str, str]:
    """Routes of recorded plugins that none of this run's plugins defines, with why (for the log)."""
    current = {plugin.name for plugin in baked}
    defined = {route for plugin in baked for route in plugin.routes}
    stale: dict[str, str] = {}
    for name, record in sorted(records.items()):
        routes = record.get("routes")
        if name in current:
            why = f"no longer a route of plugin {name}"
        elif routes is None:
            log(
                f"plugin {name}: not installed any more, and its routes were not recorded (an image "
                "before route records installed it): set its routes inactive in the web UI"
            )
            continue
        else:
            log(
                f"plugin {name}: not installed any more (sha256 {str(record.get('digest'))[:12]} recorded): "
                "its routes are inactive, its rows and usersys files are not removed"
            )
            why = f"plugin {name} is not installed any more"
        for route in routes or []:
            if route not in defined:
                stale.setdefault(route, why)
    return stale


def _activity(routes: list[str]) -> dict[str, set[bool]]:
    """The active flags of each route's rows (a route id has one row per seq)."""
    from bots import models

    states: dict[str, set[bool]] = {}
    for idroute, active in models.routes.objects.filter(idroute__in=routes).values_list("idroute", "active"):
        states.setdefault(idroute, set()).add(bool(active))
    return states


def _read(baked: list[Plugin], records: dict[str, dict], log: Callable[[str], None]) -> None:
    """Reads each plugin whose content is not recorded or whose usersys files are not in place."""
    from bots import botsglobal, pluglib
    from django.db import connection

    _bots_logger()
    usersysabs = botsglobal.ini.get("directories", "usersysabs")
    with tempfile.TemporaryDirectory(prefix="bots-plugins-") as workdir:
        for plugin in baked:
            record = records.get(plugin.name, {})
            if record.get("digest") == plugin.digest and _usersys_in_place(plugin, usersysabs):
                if record.get("routes") != plugin.routes:
                    # Recorded by an image before route records: add them, so that taking the
                    # plugin out later deactivates its routes.
                    with connection.cursor() as cursor:
                        _record(cursor, plugin)
                log(f"plugin {plugin.name}: installed (sha256 {plugin.digest[:12]}), unchanged")
                continue
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


def install(baked: list[Plugin], activate: list[str], log: Callable[[str], None]) -> None:
    from bots import models
    from django.db import connection, transaction

    if not baked:
        # No early return: the routes of plugins installed earlier are still to be stopped.
        log(f"no plugins in {plugin_dir()}")
    with transaction.atomic():
        with connection.cursor() as cursor:
            records = _records(cursor)
        stale = _stale_routes(baked, records, log)
        owner = {route: plugin.name for plugin in baked for route in plugin.routes}
        wanted = {route: False for route in stale}
        wanted.update({route: route in activate for route in owner})
        # Before Bots' reader, which imports every route inactive: the log reports changes
        # against what ran before this Job, not against the reader's import.
        before = _activity(list(wanted))
        if baked:
            _read(baked, records, log)
        changed = 0
        for route, active in sorted(wanted.items()):
            rows = models.routes.objects.filter(idroute=route).exclude(active=active)
            changed += rows.update(active=active)
            was = before.get(route, set())
            why = stale[route] if route in stale else f"plugin {owner[route]}"
            if active and was != {True}:
                log(f"route {route}: activated ({why})")
            elif not active and True in was:
                reason = why if route in stale else f"{why}, not in BOTS_ACTIVATE_ROUTES"
                log(f"route {route}: deactivated ({reason})")
        log(f"routes active: {', '.join(activate) or '(none)'}; {changed} route rows changed")
