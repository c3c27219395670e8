"""The project's middleware: Korean by default, input no view should see, admin object ids, and
the answer while the database is unreachable."""

from __future__ import annotations

from django.conf import settings
from django.contrib.admin.utils import unquote
from django.core.exceptions import SuspiciousOperation, ValidationError
from django.db import InterfaceError, OperationalError
from django.http import Http404
from django.utils.translation import gettext as _

from backoffice.api_errors import (
    database_unavailable_response,
    error_response,
    request_too_large_message,
    suspicious_error,
)
from backoffice.parsers import forbidden_char_message, has_forbidden_char

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class KoreanByDefaultMiddleware:
    """Ignore the browser's Accept-Language so the admin speaks Korean by default.

    A user who picks English in the admin's language switch (Django's set_language view, which
    sets the language cookie) gets English; LocaleMiddleware still reads that cookie.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)


class RequestGuardMiddleware:
    """Refuse, in the one error shape, what no view should see (the first middleware):

    - a body over API_MAX_BODY_BYTES (413) — before anything reads it;
    - a header over API_MAX_HEADER_BYTES (431);
    - a NUL or a lone surrogate in the path, the query, a header, a cookie or a form field (400):
      PostgreSQL cannot store either, and an admin filter or object id holding one raised a
      DataError. (JSON bodies are checked by backoffice.parsers.BoundedJSONParser.)
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        refusal = self.refusal(request)
        if refusal is not None:
            return refusal
        return self.get_response(request)

    def refusal(self, request):
        meta = request.META
        try:
            length = int(meta.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return error_response(400, _("Content-Length 헤더가 올바르지 않습니다."))
        if length > settings.API_MAX_BODY_BYTES:
            _drain(meta.get("wsgi.input"), length)
            return error_response(413, request_too_large_message())
        limit = settings.API_MAX_HEADER_BYTES
        for name, value in meta.items():
            if not name.startswith("HTTP_") or not isinstance(value, str):
                continue
            if len(value) > limit:
                return error_response(
                    431, _("요청 헤더가 너무 깁니다 (최대 %(n)d바이트).") % {"n": limit}
                )
            if has_forbidden_char(value):
                return _forbidden(name[5:].replace("_", "-").title())
        if has_forbidden_char(request.path_info) or has_forbidden_char(request.path):
            return _forbidden("path")
        try:
            for name in _forbidden_names(request.GET.lists()):
                return _forbidden(name, code="VALIDATION_ERROR")
            for name in _forbidden_names(request.COOKIES.items()):
                return _forbidden(f"cookie {name}")
            content_type = meta.get("CONTENT_TYPE", "").split(";")[0].strip().lower()
            if content_type in FORM_TYPES and request.method == "POST":
                for name in _forbidden_names(request.POST.lists()):
                    return _forbidden(name, code="VALIDATION_ERROR")
        except SuspiciousOperation as exc:
            status_code, message = suspicious_error(exc)
            return error_response(status_code, message)
        return None


DRAIN_MAX_BYTES = 64 * 1024 * 1024


def _drain(stream, length: int) -> None:
    """Read and drop a refused body (up to 64 MB): a client still sending it would otherwise meet
    a closed connection (a broken pipe) instead of reading the 413."""
    remaining = min(length, DRAIN_MAX_BYTES)
    while stream is not None and remaining > 0:
        chunk = stream.read(min(65536, remaining))
        if not chunk:
            return
        remaining -= len(chunk)


def _forbidden(where: str, code: str | None = None):
    message = forbidden_char_message()
    return error_response(400, message, code=code, fields={where: [message]})


def _forbidden_names(pairs):
    """The names (a bad name itself as `non_field_errors`) holding a NUL or a lone surrogate."""
    for key, values in pairs:
        if has_forbidden_char(key):
            yield "non_field_errors"
            continue
        for value in values if isinstance(values, list) else [values]:
            if isinstance(value, str) and has_forbidden_char(value):
                yield key
                break


class AdminObjectIdMiddleware:
    """An admin URL naming an object that cannot exist (a malformed id) or does not exist is a
    404, for every ModelAdmin: Django's admin would redirect, or a custom change_view reverse a
    URL that cannot take the id (NoReverseMatch, a 500)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        model_admin = getattr(view_func, "model_admin", None)
        object_id = view_kwargs.get("object_id")
        if model_admin is None or object_id is None:
            return None
        user = getattr(request, "user", None)
        if user is None or not (user.is_active and user.is_staff):
            return None  # the admin sends them to the login page, revealing nothing
        model = model_admin.model
        try:
            pk = model._meta.pk.to_python(unquote(object_id))
        except (ValidationError, ValueError, TypeError) as exc:
            raise Http404(_("잘못된 객체 ID입니다.")) from exc
        if not model._default_manager.filter(pk=pk).exists():
            raise Http404(_("객체를 찾을 수 없습니다."))
        return None


class DatabaseUnavailableMiddleware:
    """A view (DRF's or not) that meets an unreachable database answers 503 in the error shape
    with Retry-After. Middleware and Django's own views are covered by handler500."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, (OperationalError, InterfaceError)):
            return database_unavailable_response()
        return None
