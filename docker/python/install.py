"""Install bots_runtime into a venv's site-packages as plain files, with its console scripts.

    python3 install.py <site-packages dir> <bin dir> <interpreter path>

The package is pure Python with no dependencies: copying it and writing the [project.scripts]
wrappers of pyproject.toml is all an installer would do, without needing pip or a build backend
in the image.
"""

import os
import shutil
import sys
import tomllib

here = os.path.dirname(os.path.abspath(__file__))
site, bindir, interpreter = sys.argv[1:4]
with open(os.path.join(here, "pyproject.toml"), "rb") as handle:
    scripts = tomllib.load(handle)["project"]["scripts"]
shutil.copytree(os.path.join(here, "bots_runtime"), os.path.join(site, "bots_runtime"),
                ignore=shutil.ignore_patterns("__pycache__"))
os.makedirs(bindir, exist_ok=True)
for name, target in sorted(scripts.items()):
    module, func = target.split(":")
    path = os.path.join(bindir, name)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(f"#!{interpreter}\nimport sys\nfrom {module} import {func}\nsys.exit({func}())\n")
    os.chmod(path, 0o755)  # noqa: S103 (an executable console script, like pip writes)
    print(f"{path} -> {target}")
