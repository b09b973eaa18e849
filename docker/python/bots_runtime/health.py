"""/health/live, /health/ready, /health/startup for the Bots webserver.

Mounted in front of Bots' URLconf (bots_runtime.urls) and answered first by HealthProbeMiddleware,
so probes do not depend on ALLOWED_HOSTS, sessions, CSRF or login.
"""

from __future__ import annotations

from django.http import JsonResponse

from . import checks


def _respond(kind: str, ok_status: str, fail_status: str) -> JsonResponse:
    ok, results = checks.run(kind)
    body = {"status": ok_status if ok else fail_status, "check": kind, "checks": results}
    response = JsonResponse(body, status=200 if ok else 503)
    response["Cache-Control"] = "no-store"
    return response


def live(request):
    """200 whenever the process serves requests."""
    return _respond("live", "ok", "ok")


def ready(request):
    """200 when the database answers and botssys/usersys are usable, else 503."""
    return _respond("ready", "ok", "unavailable")


def startup(request):
    """200 once the database holds Bots' tables and the dirs are usable, else 503."""
    return _respond("startup", "started", "starting")


PROBES = {"/health/live": live, "/health/ready": ready, "/health/startup": startup}


class HealthProbeMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        view = PROBES.get(request.path_info.rstrip("/"))
        if view is not None and request.method in ("GET", "HEAD"):
            return view(request)
        return self.get_response(request)
