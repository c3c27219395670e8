"""DRF throttles of the two APIs, by path: the mall API (/v1/marketing/) at API_THROTTLE_MEMBER
per member (or BO user, or client address), the back-office API (/api/v1/admin/) at
API_THROTTLE_BACKOFFICE per user. Rates ("300/min") are read at call time; empty turns a throttle
off. Counts live in the default cache: set CACHE_URL to a shared cache (Redis) when several
processes serve, or each process counts on its own. A throttled request answers 429 in the error
shape with Retry-After."""

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

SCOPES = (
    ("/v1/marketing/", "member", "API_THROTTLE_MEMBER"),
    ("/api/v1/admin/", "backoffice", "API_THROTTLE_BACKOFFICE"),
)


class ApiThrottle(SimpleRateThrottle):
    def __init__(self):
        # SimpleRateThrottle reads its rate on construction; the scope is known per request.
        self.rate = None

    def allow_request(self, request, view):
        for prefix, scope, setting in SCOPES:
            if request.path.startswith(prefix):
                self.scope = scope
                self.rate = getattr(settings, setting, "") or None
                break
        else:
            return True
        if self.rate is None:
            return True
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request, view):
        user = request.user
        if user is not None and user.is_authenticated:
            ident = str(user) if user.pk is None else f"user:{user.pk}"
        else:
            ident = "ip:" + (self.get_ident(request) or "")
        return f"throttle:{self.scope}:{ident}"
