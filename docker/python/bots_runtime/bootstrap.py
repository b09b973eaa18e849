"""Start Bots the way its own scripts do: generalinit(<config dir>) then Django."""

from __future__ import annotations

import contextlib
import io

from .paths import config_dir, ensure_usersys_importable


def init_bots(configdir: str | None = None, quiet: bool = False) -> None:
    ensure_usersys_importable()
    from bots import botsinit

    sink = io.StringIO()
    with contextlib.redirect_stdout(sink) if quiet else contextlib.nullcontext():
        botsinit.generalinit(configdir or config_dir())
