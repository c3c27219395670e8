"""One error shape for every API response: {"code", "message", "fields"}.

`fields` is flat, as the OpenAPI document says (a name → a list of messages): an error on an item
of a list or a nested object is named by its path, `targets[0].tgtNo`, `promoNoList[2]`.
The DRF exception handler, the project's handler400 / 404 / 500 and the request guards of
backoffice.middleware all answer through `error_response` / `error_body`.
"""

from __future__ import annotations

import sys

from django.conf import settings
from django.core.exceptions import (
    PermissionDenied,
    RequestDataTooBig,
    SuspiciousOperation,
    TooManyFieldsSent,
)
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError, OperationalError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from django.views.defaults import page_not_found
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from backoffice.errors import DomainError

_CODES = {
    400: "INVALID_REQUEST",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    406: "NOT_ACCEPTABLE",
    409: "CONFLICT",
    413: "REQUEST_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
    429: "THROTTLED",
    431: "HEADERS_TOO_LARGE",
    503: "SERVICE_UNAVAILABLE",
}
NON_FIELD = "non_field_errors"
# The paths whose errors are JSON even outside DRF (Django's own 400 / 404 / 500 handlers).
API_PREFIXES = ("/api/", "/v1/")


def flat_fields(detail, prefix: str = "") -> dict[str, list[str]]:
    """DRF / Django error detail as {path: [messages]}: list items as `name[i]`, nested fields as
    `name.child`; an error on the whole body under `non_field_errors`."""
    out: dict[str, list[str]] = {}

    def add(path, messages):
        out.setdefault(path or NON_FIELD, []).extend(str(m) for m in messages)

    def walk(value, path):
        if isinstance(value, dict):
            for key, item in value.items():
                if isinstance(key, int):
                    walk(item, f"{path}[{key}]")
                elif key == NON_FIELD and path:
                    walk(item, path)
                else:
                    walk(item, f"{path}.{key}" if path else str(key))
        elif isinstance(value, (list, tuple)):
            if all(not isinstance(x, (dict, list, tuple)) for x in value):
                if value:
                    add(path, value)
                return
            for index, item in enumerate(value):
                walk(item, f"{path}[{index}]")
        elif value is not None:
            add(path, [value])

    walk(detail, prefix)
    return out


def error_body(code: str, message: str, fields=None) -> dict:
    return {"code": code, "message": str(message), "fields": flat_fields(fields or {})}


def error_response(
    status_code: int, message: str, *, code: str | None = None, fields=None, headers=None
) -> JsonResponse:
    """The error shape as a plain Django response (middleware and the project's handlers)."""
    response = JsonResponse(
        error_body(code or _CODES.get(status_code, "ERROR"), message, fields),
        status=status_code,
        json_dumps_params={"ensure_ascii": False},
    )
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def database_unavailable() -> tuple[int, dict, dict]:
    """Status, body and headers of the answer while the database cannot be reached."""
    retry_after = str(settings.API_RETRY_AFTER_SECONDS)
    body = error_body(
        "SERVICE_UNAVAILABLE", _("데이터베이스에 연결할 수 없습니다. 잠시 후 다시 시도하세요.")
    )
    return 503, body, {"Retry-After": retry_after}


def database_unavailable_response() -> JsonResponse:
    status_code, body, headers = database_unavailable()
    response = JsonResponse(body, status=status_code, json_dumps_params={"ensure_ascii": False})
    for name, value in headers.items():
        response[name] = value
    return response


def request_too_large_message() -> str:
    return _("요청 본문이 너무 큽니다 (최대 %(n)d바이트).") % {"n": settings.API_MAX_BODY_BYTES}


def suspicious_error(exc: SuspiciousOperation) -> tuple[int, str]:
    """Status and message for Django's refusals of a request (too big, too many fields …)."""
    if isinstance(exc, RequestDataTooBig):
        return 413, request_too_large_message()
    if isinstance(exc, TooManyFieldsSent):
        return 400, _("입력 항목이 너무 많습니다.")
    return 400, _("잘못된 요청입니다.")


def exception_handler(exc, context):
    if isinstance(exc, DomainError):
        return Response(error_body(exc.code, exc.message, exc.fields), status=exc.http_status)
    if isinstance(exc, (OperationalError, InterfaceError)):
        status_code, body, headers = database_unavailable()
        return Response(body, status=status_code, headers=headers)
    if isinstance(exc, SuspiciousOperation):
        status_code, message = suspicious_error(exc)
        return Response(error_body(_CODES[status_code], message), status=status_code)
    if isinstance(exc, DjangoValidationError):
        fields = exc.message_dict if hasattr(exc, "error_dict") else {NON_FIELD: exc.messages}
        return Response(
            error_body("VALIDATION_ERROR", "입력값을 확인하세요.", fields),
            status=status.HTTP_400_BAD_REQUEST,
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        detail = exc.detail if isinstance(exc.detail, dict) else {NON_FIELD: exc.detail}
        response.data = error_body("VALIDATION_ERROR", "입력값을 확인하세요.", detail)
        return response
    code = getattr(exc, "default_code", None)
    code = _CODES.get(response.status_code, str(code or "ERROR").upper())
    if (
        isinstance(exc, exceptions.APIException)
        and isinstance(exc.detail, dict)
        and "code" in exc.detail
    ):
        response.data = error_body(
            str(exc.detail["code"]), exc.detail.get("message", ""), exc.detail.get("fields", {})
        )
        return response
    message = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
    response.data = error_body(code, str(message))
    return response


# -- the project's handler400 / handler404 / handler500 (backoffice/urls.py) --------------------


def bad_request(request, exception=None):
    """Django's 400 (SuspiciousOperation: a body over DATA_UPLOAD_MAX_MEMORY_SIZE is a 413)."""
    if isinstance(exception, SuspiciousOperation):
        status_code, message = suspicious_error(exception)
        return error_response(status_code, message)
    return error_response(400, _("잘못된 요청입니다."))


def not_found(request, exception=None):
    """The API's 404 in the error shape; elsewhere (the admin) Django's page."""
    if request.path.startswith(API_PREFIXES):
        return error_response(404, _("찾을 수 없습니다."))
    return page_not_found(request, exception)


def server_error(request):
    """An uncaught exception: 503 with Retry-After when the database is unreachable (whatever
    middleware or view met it), otherwise a 500 in the error shape."""
    exc = sys.exc_info()[1]
    if is_database_down(exc):
        return database_unavailable_response()
    return error_response(500, _("서버 오류가 발생했습니다."), code="SERVER_ERROR")


def is_database_down(exc) -> bool:
    """True when `exc`, or an exception it was raised from, says the database is unreachable."""
    while exc is not None:
        if isinstance(exc, (OperationalError, InterfaceError)):
            return True
        exc = exc.__cause__ or exc.__context__
    return False
