"""Admin REST resource `reports/coupons/` (SPEC §8): the cost report of a period — issued, used,
restored, revoked and expired copies, the usage rate, the net discount and its mall and vendor
shares, in total, by day, by promotion and by MK021 reason — read from the daily rollup by
`coupons.reports.coupon_report`."""

from __future__ import annotations

from datetime import date, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.response import Response

from coupons import codes, reports
from coupons.api.common import error_responses
from coupons.models import CouponDailyStat, Promotion

from .base import AdminView

DEFAULT_DAYS = 31
# Dates outside these are typing mistakes, and year 1 or 9999 would overflow the day arithmetic.
FIRST_DAY = date(2000, 1, 1)
LAST_DAY = date(2099, 12, 31)


class ReportQueryIn(serializers.Serializer):
    """The query parameters; `from` and `to` are Python keywords, hence `get_fields`."""

    promoNo = serializers.CharField(required=False, max_length=8, help_text="프로모션번호")
    promoTypCd = serializers.ChoiceField(
        required=False, choices=codes.PromoType.choices, help_text="프로모션유형(MK002)"
    )
    cpnIssuMainCd = serializers.ChoiceField(
        required=False, choices=codes.Issuer.choices, help_text="발급주체(MK006)"
    )
    channel = serializers.ChoiceField(
        required=False, choices=codes.Channel.choices, help_text="발급경로"
    )
    reasonCd = serializers.ChoiceField(
        required=False, choices=codes.CsReason.choices, help_text="CS 보상 발급사유(MK021)"
    )

    def get_fields(self):
        fields = super().get_fields()
        period = {
            "from": serializers.DateField(
                required=False,
                help_text="첫날 (YYYY-MM-DD, 서울 기준, 포함). 기본값: to 의 30일 전",
            ),
            "to": serializers.DateField(
                required=False, help_text="마지막 날 (YYYY-MM-DD, 포함). 기본값: 오늘"
            ),
        }
        return {**period, **fields}

    def validate(self, attrs):
        errors = {}
        for name in ("from", "to"):
            value = attrs.get(name)
            if value is not None and not FIRST_DAY <= value <= LAST_DAY:
                errors[name] = [
                    _("%(first)s ~ %(last)s 사이의 날짜여야 합니다.")
                    % {"first": FIRST_DAY, "last": LAST_DAY}
                ]
        if errors:
            raise serializers.ValidationError(errors)
        date_to = attrs.get("to") or timezone.localdate(timezone.now(), reports.REPORT_TZ)
        date_from = attrs.get("from") or date_to - timedelta(days=DEFAULT_DAYS - 1)
        if date_from > date_to:
            raise serializers.ValidationError(
                {"from": [_("시작일은 종료일과 같거나 앞서야 합니다.")]}
            )
        days = (date_to - date_from).days + 1
        if days > reports.report_max_days():
            raise serializers.ValidationError(
                {
                    "to": [
                        _("기간은 최대 %(max)d일입니다 (요청: %(days)d일).")
                        % {"max": reports.report_max_days(), "days": days}
                    ]
                }
            )
        promotion_id = None
        if attrs.get("promoNo"):
            promotion_id = (
                Promotion.objects.filter(promo_no=attrs["promoNo"]).values_list("pk", flat=True)
            ).first()
            if promotion_id is None:
                raise serializers.ValidationError(
                    {
                        "promoNo": [
                            _("존재하지 않는 프로모션입니다: %(no)s") % {"no": attrs["promoNo"]}
                        ]
                    }
                )
        return {
            "date_from": date_from,
            "date_to": date_to,
            "filters": reports.ReportFilters(
                promotion_id=promotion_id,
                promo_typ_cd=attrs.get("promoTypCd", ""),
                cpn_issu_main_cd=attrs.get("cpnIssuMainCd", ""),
                channel=attrs.get("channel", ""),
                reason_cd=attrs.get("reasonCd", ""),
            ),
        }


class FiguresOut(serializers.Serializer):
    issued = serializers.IntegerField(help_text="발급 매수")
    used = serializers.IntegerField(help_text="사용 매수 (그날 사용된 매수; 복원 후 재사용도 셈)")
    restored = serializers.IntegerField(help_text="복원 매수 (주문 취소로 돌아온 매수)")
    revoked = serializers.IntegerField(help_text="회수 매수")
    expired = serializers.IntegerField(help_text="만료 매수 (유효기간 종료일 기준)")
    usageRate = serializers.FloatField(
        source="usage_rate",
        allow_null=True,
        help_text="사용률 0~1: 기간에 발급된 쿠폰 중 지금 사용 상태인 비율 (발급 0이면 null)",
    )
    dcAmt = serializers.IntegerField(
        source="dc_amt", help_text="할인금액(원, 순액: 사용 − 복원·환수로 돌려준 금액)"
    )
    ourDcAmt = serializers.IntegerField(source="our_dc_amt", help_text="당사부담(원, 순액)")
    entrDcAmt = serializers.IntegerField(source="entr_dc_amt", help_text="협력사부담(원, 순액)")


class DayOut(FiguresOut):
    day = serializers.DateField()

    def get_fields(self):
        fields = super().get_fields()
        return {"day": fields.pop("day"), **fields}


class PromotionFiguresOut(FiguresOut):
    promoNo = serializers.CharField(source="promo_no")
    promoNm = serializers.CharField(source="promo_nm")
    promoTypCd = serializers.CharField(source="promo_typ_cd")

    def get_fields(self):
        fields = super().get_fields()
        head = {name: fields.pop(name) for name in ("promoNo", "promoNm", "promoTypCd")}
        return {**head, **fields}


class ReasonFiguresOut(FiguresOut):
    reasonCd = serializers.CharField(
        source="reason_cd", help_text="MK021 사유 (빈 값: CS 보상 아님)"
    )
    reasonNm = serializers.CharField(source="reason_nm")

    def get_fields(self):
        fields = super().get_fields()
        head = {name: fields.pop(name) for name in ("reasonCd", "reasonNm")}
        return {**head, **fields}


class ReportOut(serializers.Serializer):
    dateFrom = serializers.DateField(source="date_from")
    dateTo = serializers.DateField(source="date_to")
    totals = FiguresOut()
    byDay = DayOut(many=True, source="by_day", help_text="기간의 모든 날 (없는 날은 0)")
    byPromotion = PromotionFiguresOut(
        many=True, source="by_promotion", help_text="수치가 있는 프로모션, 할인금액 큰 순"
    )
    byReason = ReasonFiguresOut(many=True, source="by_reason", help_text="MK021 사유별")


def _example_figures(**kw) -> dict:
    base = {
        "issued": 1200,
        "used": 310,
        "restored": 12,
        "revoked": 3,
        "expired": 40,
        "usageRate": 0.2475,
        "dcAmt": 905000,
        "ourDcAmt": 633500,
        "entrDcAmt": 271500,
    }
    return {**base, **kw}


EX_REPORT = {
    "dateFrom": "2026-11-01",
    "dateTo": "2026-11-30",
    "totals": _example_figures(),
    "byDay": [
        {"day": "2026-11-01", **_example_figures(issued=40, used=10, usageRate=0.25)},
        {
            "day": "2026-11-02",
            **_example_figures(issued=0, used=0, usageRate=None, dcAmt=0, ourDcAmt=0, entrDcAmt=0),
        },
    ],
    "byPromotion": [
        {
            "promoNo": "C1000001",
            "promoNm": "11월 장바구니 3천원",
            "promoTypCd": "12",
            **_example_figures(),
        }
    ],
    "byReason": [
        {"reasonCd": "", "reasonNm": "사유 없음", **_example_figures()},
        {
            "reasonCd": "02",
            "reasonNm": "배송지연",
            **_example_figures(issued=20, used=5, usageRate=0.25, dcAmt=0, ourDcAmt=0, entrDcAmt=0),
        },
    ],
}


class CouponReportView(AdminView):
    queryset = CouponDailyStat.objects.none()
    required_perms = {"get": ["coupons.view_coupon_report"]}
    filter_backends = []
    pagination_class = None

    @extend_schema(
        summary="쿠폰 비용 리포트",
        description="기간(서울 기준 날짜, 양 끝 포함, 최대 366일; 기본: 오늘까지 31일)과 프로모션·유형·"
        "발급주체·발급경로·MK021 사유로 거른 발급/사용/복원/회수/만료 매수, 사용률, 할인금액과 "
        "당사/협력사 분담 — 합계, 일별, 프로모션별, 사유별. 일별 집계(rollup)에서 읽습니다. "
        "사용률 = 기간에 발급된 쿠폰 중 지금 사용 상태(복원되지 않음)인 비율. 금액은 순액: 사용의 "
        "할인금액에서 복원·부분취소 환수로 돌려준 금액을 그 날짜에 뺍니다. "
        "coupons.view_coupon_report 권한 (MD, CS 상담원).",
        parameters=[ReportQueryIn],
        responses={200: ReportOut, **error_responses(400, 401, 403)},
        examples=[OpenApiExample("11월", response_only=True, value=EX_REPORT)],
    )
    def get(self, request):
        query = ReportQueryIn(data=request.query_params)
        if not query.is_valid():
            raise exceptions.ValidationError(query.errors)
        try:
            report = reports.coupon_report(**query.validated_data)
        except reports.ReportPeriodError as exc:  # the serializer checks the same first
            raise exceptions.ValidationError({"from": [exc.message]}) from exc
        return Response(report_body(report))


# The response is shaped here rather than by ReportOut (which documents it): a year's report may
# list thousands of promotions, and DRF's field-by-field serializing would cost more than the SQL.
FIGURE_NAMES = (
    ("issued", "issued"),
    ("used", "used"),
    ("restored", "restored"),
    ("revoked", "revoked"),
    ("expired", "expired"),
    ("usage_rate", "usageRate"),
    ("dc_amt", "dcAmt"),
    ("our_dc_amt", "ourDcAmt"),
    ("entr_dc_amt", "entrDcAmt"),
)


def _figures(row: dict) -> dict:
    return {name: row[key] for key, name in FIGURE_NAMES}


def report_body(report: dict) -> dict:
    """`coupon_report`'s answer in the API's names (the shape of ReportOut)."""
    return {
        "dateFrom": report["date_from"].isoformat(),
        "dateTo": report["date_to"].isoformat(),
        "totals": _figures(report["totals"]),
        "byDay": [{"day": row["day"].isoformat(), **_figures(row)} for row in report["by_day"]],
        "byPromotion": [
            {
                "promoNo": row["promo_no"],
                "promoNm": row["promo_nm"],
                "promoTypCd": row["promo_typ_cd"],
                **_figures(row),
            }
            for row in report["by_promotion"]
        ],
        "byReason": [
            {"reasonCd": row["reason_cd"], "reasonNm": row["reason_nm"], **_figures(row)}
            for row in report["by_reason"]
        ],
    }
