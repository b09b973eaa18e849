"""Where things live at run time. Everything is derived from BOTSENV (and BOTS_HOME)."""

from __future__ import annotations

import os
import sys

from . import BOTS_HOME, DEFAULT_BOTSENV, RUNTIME_CONFIG_DIR


def botsenv() -> str:
    return os.environ.get("BOTSENV") or DEFAULT_BOTSENV


def bots_home() -> str:
    return os.environ.get("BOTS_HOME") or BOTS_HOME


def env_dir() -> str:
    """The botsenv directory on the data volume: /home/bots/.bots/env/$BOTSENV."""
    return os.path.join(bots_home(), "env", botsenv())


def botssys_dir() -> str:
    return os.path.join(env_dir(), "botssys")


def config_dir() -> str:
    """The runtime config dir the entrypoint assembles (passed to Bots as -c<dir>)."""
    return os.environ.get("BOTS_CONFIG_DIR") or RUNTIME_CONFIG_DIR


def ensure_usersys_importable() -> None:
    """Bots imports usersys as the top-level module ``usersys``: put the botsenv dir on sys.path.

    (Bots 3.3.1 cannot import an absolute usersys path, so bots.ini keeps ``usersys = usersys``.)
    """
    path = env_dir()
    if path not in sys.path:
        sys.path.insert(0, path)
