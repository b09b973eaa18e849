"""Where things live at run time. Everything is derived from BOTSENV, BOTS_HOME and BOTS_RUN_DIR."""

from __future__ import annotations

import functools
import importlib.metadata
import os
import sys

from . import BOTS_HOME, DEFAULT_BOTSENV, PLUGIN_DIR, RUN_DIR


@functools.cache
def bots_version() -> str:
    return importlib.metadata.version("bots-ediint")


def bots_major() -> int:
    return int(bots_version().split(".", 1)[0])


def botsenv() -> str:
    return os.environ.get("BOTSENV") or DEFAULT_BOTSENV


def bots_home() -> str:
    return os.environ.get("BOTS_HOME") or BOTS_HOME


def run_dir() -> str:
    return os.environ.get("BOTS_RUN_DIR") or RUN_DIR


def plugin_dir() -> str:
    return os.environ.get("BOTS_PLUGIN_DIR") or PLUGIN_DIR


def env_dir() -> str:
    """The botsenv directory on the data volume: /home/bots/.bots/env/$BOTSENV."""
    return os.path.join(bots_home(), "env", botsenv())


def botssys_dir() -> str:
    return os.path.join(env_dir(), "botssys")


def assembled_config_dir() -> str:
    """Where the entrypoint assembles bots.ini + settings.py (pod-local scratch)."""
    return os.path.join(run_dir(), "config")


def config_dir() -> str:
    """The config dir Bots is started with (-c<dir>).

    Bots 4 derives its botsenv from the config dir's parent, so it gets <botsenv>/config (a link
    to the assembled dir); Bots 3.3.1 gets the assembled dir itself. BOTS_CONFIG_DIR (set by the
    entrypoint) wins.
    """
    if os.environ.get("BOTS_CONFIG_DIR"):
        return os.environ["BOTS_CONFIG_DIR"]
    if bots_major() >= 4:
        return os.path.join(env_dir(), "config")
    return assembled_config_dir()


def ensure_usersys_importable() -> None:
    """Bots 3.3.1 imports usersys as the top-level module ``usersys``: put the botsenv dir on sys.path.

    (Bots 3.3.1 cannot import an absolute usersys path, so bots.ini keeps ``usersys = usersys``;
    Bots 4 adds the botsenv dir itself.)
    """
    path = env_dir()
    if path not in sys.path:
        sys.path.insert(0, path)
