"""Probes for load balancers: /healthz (the process answers; no database) and /readyz (the
database answers SELECT 1). Neither needs authentication; neither reads a session."""

from django.db import InterfaceError, OperationalError, connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from backoffice.api_errors import database_unavailable_response


@never_cache
@require_safe
def healthz(request):
    """200 while the process serves requests."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_safe
def readyz(request):
    """200 when the database answers, else 503 in the error shape with Retry-After."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except (OperationalError, InterfaceError):
        # Drop the broken connection now: the next probe reconnects as soon as the database is back.
        connection.close()
        return database_unavailable_response()
    return JsonResponse({"status": "ok", "database": "ok"})
