"""Container runtime glue for Bots EDI (not a Bots patch). Works with Bots 3.3.1 and Bots 4.x.

- ``bots_runtime.settings``: env-driven Django settings; /etc/bots/settings.py imports it.
- ``bots_runtime.urls`` / ``bots_runtime.health``: /health/live, /health/ready, /health/startup in
  front of Bots' own URLconf. Bots 4: the views of the Bots tree (bots/healthcheck.py); Bots 3.3.1
  (which has none): ours (bots_runtime.checks).
- ``bots-init-db``: idempotent database initialisation, superuser, baked plugins.
- ``bots-healthcheck``: exec-probe CLI.
- ``bots-service``: runs a Bots service so that SIGTERM ends it cleanly with exit 0.
- ``bots-prepare-config``: assembles the runtime config dir under /run/bots.
"""

# Layout constants of the image (see docker/README.md, "Runtime contract").
BOTS_HOME = "/home/bots/.bots"
RUN_DIR = "/run/bots"
DEFAULT_BOTSENV = "default"
PLUGIN_DIR = "/opt/bots/plugins"
