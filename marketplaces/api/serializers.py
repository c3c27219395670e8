"""Shape only, camelCase: what every marketplace's API shows of its jobs (the job engine's `JobOut`
with the HTTP exchanges each made), and the integer bounds of the database columns."""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from backoffice.jobs.api import JobOut
from marketplaces.models import HttpExchange

INT_MAX = 2**31 - 1
BIGINT_MAX = 2**63 - 1
SMALLINT_MAX = 2**15 - 1


def rule_validator(rule: Callable[[object], None]) -> Callable[[object], None]:
    """A serializer field validator that runs one marketplace rule on the field's value, so a
    shape error and the rule's refusal come back together, in the rule's words."""

    def validate(value):
        try:
            rule(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from None

    validate.__name__ = rule.__name__
    return validate


# --- sync jobs ---------------------------------------------------------------------------------
class HttpExchangeOut(serializers.ModelSerializer):
    statusCode = serializers.IntegerField(source="status_code", allow_null=True)
    durationMs = serializers.IntegerField(source="duration_ms")
    requestHeaders = serializers.JSONField(source="request_headers")
    requestBody = serializers.CharField(source="request_body")
    responseBody = serializers.CharField(source="response_body")
    createdAt = serializers.DateTimeField(source="created_at")

    class Meta:
        model = HttpExchange
        fields = [
            "id",
            "marketplace",
            "method",
            "path",
            "query",
            "requestHeaders",
            "requestBody",
            "statusCode",
            "responseBody",
            "durationMs",
            "error",
            "createdAt",
        ]


class SyncJobDetailOut(JobOut):
    exchanges = HttpExchangeOut(many=True)

    class Meta(JobOut.Meta):
        fields = [*JobOut.Meta.fields, "exchanges"]
