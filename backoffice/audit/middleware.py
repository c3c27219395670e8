"""Sets the audit door of every request: the admin site, or the API for everything else."""

from __future__ import annotations

from django.urls import reverse

from .context import ADMIN, API, audit_door


class AuditDoorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self._admin_prefix = None

    def __call__(self, request):
        if self._admin_prefix is None:
            self._admin_prefix = reverse("admin:index")
        door = ADMIN if request.path_info.startswith(self._admin_prefix) else API
        with audit_door(door, request):
            return self.get_response(request)
