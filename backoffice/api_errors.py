"""One error shape for every API response: {"code", "message", "fields"}."""

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
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
    415: "UNSUPPORTED_MEDIA_TYPE",
    429: "THROTTLED",
}


def _flatten(detail):
    if isinstance(detail, dict):
        return {str(k): _flatten(v) for k, v in detail.items()}
    if isinstance(detail, list):
        if all(not isinstance(x, (dict, list)) for x in detail):
            return [str(x) for x in detail]
        return [_flatten(x) for x in detail]
    return [str(detail)]


def error_body(code: str, message: str, fields: dict | None = None) -> dict:
    return {"code": code, "message": message, "fields": fields or {}}


def exception_handler(exc, context):
    if isinstance(exc, DomainError):
        return Response(error_body(exc.code, exc.message, exc.fields), status=exc.http_status)
    if isinstance(exc, DjangoValidationError):
        fields = (
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
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
        detail = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        response.data = error_body("VALIDATION_ERROR", "입력값을 확인하세요.", _flatten(detail))
        return response
    code = getattr(exc, "default_code", None)
    code = _CODES.get(response.status_code, str(code or "ERROR").upper())
    if (
        isinstance(exc, exceptions.APIException)
        and isinstance(exc.detail, dict)
        and "code" in exc.detail
    ):
        response.data = {
            "code": str(exc.detail["code"]),
            "message": str(exc.detail.get("message", "")),
            "fields": exc.detail.get("fields", {}),
        }
        return response
    message = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
    response.data = error_body(code, str(message))
    return response
