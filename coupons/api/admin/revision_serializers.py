"""Shape only, for the revisions of an approved promotion (SPEC §3 rule 10): a revision's old →
new per field under the API names, and the reject body."""

from __future__ import annotations

import datetime as dt

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from coupons import services
from coupons.api.common import local_iso
from coupons.api.names import api_name
from coupons.models import PromotionRevision


def _api_value(value):
    if isinstance(value, bool):
        return "Y" if value else "N"
    if isinstance(value, dt.datetime):
        return local_iso(value)
    if isinstance(value, dt.time):
        return value.isoformat(timespec="minutes")
    if isinstance(value, list) and value and isinstance(value[0], dict):
        return [{api_name(k): v for k, v in item.items()} for item in value]
    return value


class RevisionChangeOut(serializers.Serializer):
    field = serializers.CharField(help_text="API 필드명 (예: dcRateAmt, targets)")
    old = serializers.JSONField(allow_null=True, help_text="현재(승인된) 값 / 처리 후에는 이전 값")
    new = serializers.JSONField(allow_null=True, help_text="수정안의 값")


class PromotionRevisionOut(serializers.Serializer):
    """A revision of an approved promotion: what it changes (old → new per field) and its state."""

    revisionNo = serializers.IntegerField(source="pk")
    promoNo = serializers.CharField(source="promotion.promo_no")
    revStatCd = serializers.ChoiceField(
        source="status",
        choices=PromotionRevision.Status.choices,
        help_text="PENDING(승인대기) / APPROVED(승인·적용됨) / REJECTED(반려)",
    )
    author = serializers.CharField(source="author.get_username")
    createdAt = serializers.DateTimeField(source="created_at")
    updatedAt = serializers.DateTimeField(source="updated_at")
    decidedBy = serializers.CharField(
        source="decided_by.get_username", allow_null=True, default=None
    )
    decidedAt = serializers.DateTimeField(source="decided_at", allow_null=True)
    decisionNote = serializers.CharField(source="decision_note")
    changes = serializers.SerializerMethodField(help_text="필드별 이전 → 이후")

    @extend_schema_field(RevisionChangeOut(many=True))
    def get_changes(self, obj):
        return [
            {"field": api_name(name), "old": _api_value(old), "new": _api_value(new)}
            for name, old, new in services.promotion_revision_diff(obj)
        ]


class RevisionRejectIn(serializers.Serializer):
    note = serializers.CharField(
        max_length=500, required=False, allow_blank=True, default="", help_text="반려 사유"
    )
