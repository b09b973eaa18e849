"""ROOT_URLCONF: the health endpoints at /health/*, then everything else from Bots' own URLconf."""

from django.urls import include, path, re_path

from .health import views

urlpatterns = [
    *(path(p.lstrip("/"), view, name=f"health-{p.rsplit('/', 1)[-1]}") for p, view in views().items()),
    re_path(r"^", include("bots.urls")),
]

handler500 = "bots.views.server_error"
