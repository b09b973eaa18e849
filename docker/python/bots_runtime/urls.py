"""ROOT_URLCONF: our health endpoints, then everything else from Bots' own URLconf."""

from django.urls import include, path, re_path

from . import health

urlpatterns = [
    path("health/live", health.live, name="health-live"),
    path("health/ready", health.ready, name="health-ready"),
    path("health/startup", health.startup, name="health-startup"),
    re_path(r"^", include("bots.urls")),
]

handler500 = "bots.views.server_error"
