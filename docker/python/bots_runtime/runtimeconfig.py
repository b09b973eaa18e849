"""bots-prepare-config: assemble the runtime config dir Bots is started with.

    bots-prepare-config --source /etc/bots --defaults /opt/bots/config --dest /run/bots/config

- bots.ini and settings.py come from --source when present there, else from --defaults (each file
  on its own); an empty __init__.py makes the dir importable (Bots imports <dir>/settings.py).
- Bots 4: <botsenv>/config on the data volume becomes a symbolic link to --dest. Bots 4 takes its
  botsenv (against which it resolves botssys, usersys, channel paths, and where the engine
  chdirs and plugins are written) from the config dir's parent, so the config dir must sit in
  the botsenv; the link keeps each pod reading its own assembled copy (no writes of config to
  the shared volume). A real config/ dir there (the fork's layout) is renamed aside once.
- Bots 3.3.1: [directories] botssys, when relative (or absent), is made absolute under the
  botsenv dir: 3.3.1 resolves relative paths against its own (read-only) package dir.
  [directories] usersys must stay a relative module name (3.3.1 cannot import an absolute one);
  the entrypoint puts the botsenv dir on PYTHONPATH. Bots 4 takes both as they are.
- [dirmonitorN] path: a relative value is made absolute under the botsenv dir and created.
- PORT (the fork's variable), when set, becomes [webserver] port.
- The *_FILE secret variables are checked (readable, not set together with their plain twin).
- Warns when [acceptance] runacceptancetest is true (never meant for production).
Exit 0, or 78 (EX_CONFIG) with a message on a config error.
"""

from __future__ import annotations

import argparse
import configparser
import os
import shutil
import sys
import time

from . import envsecrets
from .paths import bots_major, env_dir

EX_CONFIG = 78


class ConfigError(Exception):
    pass


def _pick(name: str, source: str, defaults: str) -> str:
    candidate = os.path.join(source, name)
    if os.path.isfile(candidate):
        return candidate
    fallback = os.path.join(defaults, name)
    if not os.path.isfile(fallback):
        raise ConfigError(f"{name} found neither in {source} nor in {defaults}")
    return fallback


def render_ini(src: str, botsenv_dir: str, major: int = 4) -> tuple[configparser.RawConfigParser, list[str]]:
    ini = configparser.RawConfigParser()
    ini.optionxform = str  # keep keys as written (Bots lower-cases on read anyway)
    try:
        with open(src, encoding="utf-8") as handle:
            ini.read_file(handle)
    except configparser.Error as exc:
        raise ConfigError(f"{src}: {exc}") from exc
    made = []
    if not ini.has_section("directories"):
        ini.add_section("directories")
    botssys = ini.get("directories", "botssys", fallback="botssys").strip() or "botssys"
    if major < 4 and not os.path.isabs(botssys):
        botssys = os.path.normpath(os.path.join(botsenv_dir, botssys))
    ini.set("directories", "botssys", botssys)
    usersys = ini.get("directories", "usersys", fallback="usersys").strip() or "usersys"
    if major < 4 and (os.path.isabs(usersys) or ".." in usersys.split("/") or "." in usersys):
        raise ConfigError(
            f"[directories] usersys = {usersys!r}: must be a plain relative name (default 'usersys'); "
            f"it is resolved against {botsenv_dir} (Bots 3.3.1 cannot import an absolute usersys)"
        )
    ini.set("directories", "usersys", usersys)
    port = os.environ.get("PORT", "").strip()
    if port:
        if not port.isdigit() or not 0 < int(port) < 65536:
            raise ConfigError(f"PORT={port!r}: expected a TCP port number (it sets [webserver] port)")
        if not ini.has_section("webserver"):
            ini.add_section("webserver")
        ini.set("webserver", "port", port)
    for section in ini.sections():
        if section.startswith("dirmonitor") and section[len("dirmonitor") :]:
            path = ini.get(section, "path", fallback="").strip()
            if not path:
                raise ConfigError(f"[{section}] has no path")
            if not os.path.isabs(path):
                path = os.path.normpath(os.path.join(botsenv_dir, path))
                ini.set(section, "path", path)
            made.append(path)
    if ini.has_option("acceptance", "runacceptancetest"):
        value = ini.get("acceptance", "runacceptancetest").strip().lower()
        if value in ("1", "true", "yes", "on"):
            print(
                "bots-prepare-config: WARNING [acceptance] runacceptancetest is True: "
                "interchange numbers are not persisted and cleanup never runs",
                file=sys.stderr,
            )
    return ini, made


def link_config(botsenv_dir: str, dest: str) -> None:
    """Bots 4: <botsenv>/config -> dest (see the module doc)."""
    link = os.path.join(botsenv_dir, "config")
    if os.path.islink(link) and os.readlink(link) == dest:
        return
    if os.path.isdir(link) and not os.path.islink(link):
        aside = f"{link}.before-image-{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}"
        os.rename(link, aside)
        print(
            f"bots-prepare-config: moved the existing {link} to {aside} (config comes from /etc/bots)",
            file=sys.stderr,
        )
    tmp = f"{link}.tmp-{os.getpid()}"
    os.symlink(dest, tmp)
    os.replace(tmp, link)


def prepare(source: str, defaults: str, dest: str) -> str:
    botsenv_dir = env_dir()
    major = bots_major()
    problems = envsecrets.validate()
    if problems:
        raise ConfigError("; ".join(problems))
    os.makedirs(dest, exist_ok=True)
    ini_src = _pick("bots.ini", source, defaults)
    settings_src = _pick("settings.py", source, defaults)
    ini, dirs = render_ini(ini_src, botsenv_dir, major)
    tmp = os.path.join(dest, ".bots.ini.tmp")
    with open(tmp, "w", encoding="utf-8") as handle:
        handle.write(f"# generated by bots-prepare-config from {ini_src}\n")
        ini.write(handle)
    os.replace(tmp, os.path.join(dest, "bots.ini"))
    shutil.copyfile(settings_src, os.path.join(dest, "settings.py"))
    open(os.path.join(dest, "__init__.py"), "w").close()
    for path in dirs:
        if path.startswith(botsenv_dir + os.sep):
            os.makedirs(path, exist_ok=True)
    if major >= 4:
        link_config(botsenv_dir, dest)
        return f"config {os.path.join(botsenv_dir, 'config')} -> {dest} <- {ini_src}, {settings_src}"
    return f"config {dest} <- {ini_src}, {settings_src}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bots-prepare-config")
    parser.add_argument("--source", default="/etc/bots")
    parser.add_argument("--defaults", default="/opt/bots/config")
    parser.add_argument("--dest", default="/run/bots/config")
    args = parser.parse_args(argv)
    try:
        summary = prepare(args.source, args.defaults, args.dest)
        print(f"bots-prepare-config: {summary}", file=sys.stderr, flush=True)
    except (ConfigError, OSError) as exc:
        print(f"bots-prepare-config: ERROR {exc}", file=sys.stderr, flush=True)
        return EX_CONFIG
    return 0


if __name__ == "__main__":
    sys.exit(main())
