"""Container runtime glue for Bots EDI (not a Bots patch).

- ``bots_runtime.settings``: env-driven Django settings; /etc/bots/settings.py imports it.
- ``bots_runtime.urls`` / ``bots_runtime.health``: /health/live, /health/ready, /health/startup in
  front of Bots' own URLconf (ROOT_URLCONF).
- ``bots-init-db``: idempotent database initialisation.
- ``bots-healthcheck``: exec-probe CLI.
- ``bots-service``: runs a Bots service so that SIGTERM ends it cleanly with exit 0.
- ``bots-prepare-config``: assembles the runtime config dir under /run/bots.
"""

# Layout constants of the image (see docker/README.md, "Runtime contract").
BOTS_HOME = "/home/bots/.bots"
RUNTIME_CONFIG_DIR = "/run/bots/config"
DEFAULT_BOTSENV = "default"
