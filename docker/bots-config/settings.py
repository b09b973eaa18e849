# Django settings for Bots in this image: everything comes from environment variables
# (see docker/README.md). Add overrides below the import if you must.
from bots_runtime.settings import *  # noqa: F403
