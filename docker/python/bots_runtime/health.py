"""/health/live, /health/ready, /health/startup for the Bots webserver: one source per Bots line.

Bots 4: the views of the Bots tree itself (bots/healthcheck.py). The tree mounts them only under
/bots/health/* (bots/urls.py), and a request for /health/* falls through to its catch-all index
page (200 whatever the database does), so they are served here at the paths the probes use.
Bots 3.3.1 has no health views: ours (bots_runtime.checks), same paths, same status codes.

HealthProbeMiddleware answers the probe paths first, so probes do not depend on ALLOWED_HOSTS,
sessions, CSRF or login, and any other path under /health/ with 404, so a probe on a wrong path
fails. bots_runtime.urls mounts the same views for completeness.
"""

from __future__ import annotations

from django.http import JsonResponse

from . import checks


def _respond(kind: str, ok_status: str, fail_status: str) -> JsonResponse:
    ok, results = checks.run_own(kind)
    body = {"status": ok_status if ok else fail_status, "check": kind, "checks": results}
    response = JsonResponse(body, status=200 if ok else 503)
    response["Cache-Control"] = "no-store"
    return response


def own_live(request):
    """200 whenever the process serves requests."""
    return _respond("live", "ok", "ok")


def own_ready(request):
    """200 when the database answers and botssys/usersys are usable, else 503."""
    return _respond("ready", "ok", "unavailable")


def own_startup(request):
    """200 once the database holds Bots' tables and the dirs are usable, else 503."""
    return _respond("startup", "started", "starting")


def views() -> dict:
    """path -> view for this Bots."""
    tree = checks.tree_views()
    if tree is not None:
        return {f"/health/{kind}": view for kind, view in tree.items()}
    return {"/health/live": own_live, "/health/ready": own_ready, "/health/startup": own_startup}


def _no_store(response):
    response["Cache-Control"] = "no-store"
    return response


class HealthProbeMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.probes = views()

    def __call__(self, request):
        path = request.path_info.rstrip("/")
        view = self.probes.get(path)
        if view is not None and request.method in ("GET", "HEAD"):
            return _no_store(view(request))
        if path == "/health" or path.startswith("/health/"):
            # Bots' catch-all index would answer 200 here: a probe with a mistyped path would pass
            # whatever the database does.
            body = {"status": "not found", "paths": sorted(self.probes)}
            return _no_store(JsonResponse(body, status=404))
        return self.get_response(request)
