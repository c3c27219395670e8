"""What both APIs share: the error shape in the schema, the Idempotency-Key header, and the one
way a view calls a service (its field errors come back under the API names)."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, PolymorphicProxySerializer
from rest_framework import exceptions, serializers

from coupons.errors import DomainError

from .names import api_field_errors


class ErrorOut(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    fields = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))


class NoBody(serializers.Serializer):
    """An action without a request body."""


ERROR_TEXT = {
    400: "입력값 오류",
    401: "인증 필요 (MEMBER_ONLY / UNAUTHENTICATED)",
    403: "권한 없음",
    404: "없음",
    409: "충돌 / 발급 거절",
}


def error_responses(*statuses) -> dict:
    """The schema's error responses (the one error shape) for these statuses."""
    return {
        code: OpenApiResponse(ErrorOut, description=ERROR_TEXT.get(code, "")) for code in statuses
    }


def issue_responses(issue_out) -> dict:
    """cpnDown / cpnDownBo: 200 with the issue outcome; a refusal's 4xx carries the outcome too,
    while a request the serializer or a guard refuses (400, 401, 403, 409 Idempotency-Key reuse …)
    answers the one error shape — either body for 400 / 404 / 409."""
    either = PolymorphicProxySerializer(
        component_name="IssueOutcomeOrError",
        serializers=[issue_out, ErrorOut],
        resource_type_field_name=None,
    )
    described = {
        400: "입력값 오류(오류 모양) 또는 발급 거절(발급 결과 모양)",
        404: "없는 프로모션 / 회원(발급 결과 모양)",
        409: "발급 거절(발급 결과 모양) 또는 Idempotency-Key 재사용(오류 모양)",
    }
    return {
        200: issue_out,
        **{code: OpenApiResponse(either, description=text) for code, text in described.items()},
        **error_responses(401, 403),
    }


IDEMPOTENCY_HEADER = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description="같은 키로 다시 보낸 요청은 처음 응답을 그대로 돌려주고 더 발급하지 않습니다 (1–100자, 출력 가능한 ASCII).",
)
IDEMPOTENCY_KEY_RE = re.compile(r"^[\x21-\x7e]{1,100}$")


def idempotency_key(request) -> str | None:
    """The request's Idempotency-Key header, None when absent; a malformed key is a 400."""
    raw = request.META.get("HTTP_IDEMPOTENCY_KEY")
    if raw is None or raw == "":
        return None
    if not IDEMPOTENCY_KEY_RE.match(raw):
        raise exceptions.ValidationError(
            {"Idempotency-Key": ["1–100자의 출력 가능한 ASCII 문자여야 합니다."]}
        )
    return raw


def local_iso(value):
    """A datetime as DRF's DateTimeField renders it: ISO 8601 in Asia/Seoul."""
    return timezone.localtime(value).isoformat() if value is not None else None


def call_service(fn, **kwargs):
    """Call a service; its field errors (service names) come back under the API names."""
    try:
        return fn(**kwargs)
    except DjangoValidationError as exc:
        fields = (
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
        raise exceptions.ValidationError(api_field_errors(fields)) from exc
    except DomainError as exc:
        exc.fields = api_field_errors(exc.fields)
        raise
    except IntegrityError as exc:
        raise DomainError(
            "다른 요청과 충돌했습니다. 다시 시도하세요.", code="CONFLICT", http_status=409
        ) from exc
