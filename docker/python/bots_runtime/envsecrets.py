"""Values that may come from the environment or from a file (Kubernetes Secret volume).

For NAME, NAME_FILE names a file whose content is the value (one trailing newline stripped).
Setting both (NAME non-empty) is an error: which one wins would be a guess. An empty NAME counts
as unset, so a Secret that carries the key empty does not conflict with NAME_FILE.
"""

from __future__ import annotations

import os

# The variables that accept a *_FILE twin.
FILE_VARS = ("DJANGO_SECRET_KEY", "DB_PASSWORD", "EMAIL_HOST_PASSWORD", "SUPERUSER_PASSWORD")


class SecretEnvError(ValueError):
    pass


def _strip_newline(value: str) -> str:
    if value.endswith("\r\n"):
        return value[:-2]
    if value.endswith("\n"):
        return value[:-1]
    return value


def get(name: str, default: str = "") -> str:
    file_var = f"{name}_FILE"
    path = os.environ.get(file_var, "")
    if path and os.environ.get(name, ""):
        raise SecretEnvError(
            f"{name} and {file_var} are both set: set only one ({file_var} names a file holding the value)"
        )
    if path:
        try:
            with open(path, encoding="utf-8") as handle:
                return _strip_newline(handle.read())
        except OSError as exc:
            raise SecretEnvError(f"{file_var}={path}: cannot read: {exc.strerror}") from exc
    return os.environ.get(name, default)


def validate() -> list[str]:
    """Problems with any *_FILE pair, for a clean message before a service starts."""
    problems = []
    for name in FILE_VARS:
        try:
            get(name)
        except SecretEnvError as exc:
            problems.append(str(exc))
    return problems
