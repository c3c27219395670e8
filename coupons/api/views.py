"""Thin views: parse with an input serializer, call one selector or service, shape the answer.

One style: DRF generic views, one class per operation. Member endpoints authenticate by the mall's
JWT only (a member token never reaches BO or admin endpoints, and the member is always the token's
`sub`); BO and admin endpoints by DRF token or admin session plus a Django permission.
"""

from __future__ import annotations

import hashlib
import re
import uuid

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.utils import timezone
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, generics, serializers, status
from rest_framework.pagination import CursorPagination
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from backoffice.permissions import ModelPermissions
from coupons import catalog, codes, compensation, issuing, selectors, services
from coupons.errors import DomainError
from coupons.models import (
    CompensationItem,
    CompensationRun,
    Exhibition,
    Goods,
    Member,
    MemberCoupon,
    Promotion,
)

from . import serializers as s
from .authentication import MemberJWTAuthentication, MemberOnly, MemberUser


class ErrorOut(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    fields = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))


def _errors(*statuses):
    text = {
        400: "입력값 오류",
        401: "인증 필요 (MEMBER_ONLY / UNAUTHENTICATED)",
        403: "권한 없음",
        404: "없음",
        409: "충돌 / 발급 거절",
    }
    return {code: OpenApiResponse(ErrorOut, description=text.get(code, "")) for code in statuses}


IDEMPOTENCY_HEADER = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description="같은 키로 다시 보낸 요청은 처음 응답을 그대로 돌려주고 더 발급하지 않습니다 (1–100자, 출력 가능한 ASCII).",
)
IDEMPOTENCY_KEY_RE = re.compile(r"^[\x21-\x7e]{1,100}$")


def idempotency_key(request) -> str | None:
    raw = request.META.get("HTTP_IDEMPOTENCY_KEY")
    if raw is None or raw == "":
        return None
    if not IDEMPOTENCY_KEY_RE.match(raw):
        raise exceptions.ValidationError(
            {"Idempotency-Key": ["1–100자의 출력 가능한 ASCII 문자여야 합니다."]}
        )
    return raw


def _local_iso(value):
    """A datetime as DRF's DateTimeField renders it: ISO 8601 in Asia/Seoul."""
    return timezone.localtime(value).isoformat() if value is not None else None


def camel_fields(fields: dict, names: dict) -> dict:
    return {names.get(k, k): v for k, v in (fields or {}).items()}


def call_service(fn, *, names: dict | None = None, **kwargs):
    """Call a service; its field errors (model names) come back under the API's camelCase names."""
    names = names or {}
    try:
        return fn(**kwargs)
    except DjangoValidationError as exc:
        fields = (
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
        raise exceptions.ValidationError(camel_fields(fields, names)) from exc
    except DomainError as exc:
        exc.fields = camel_fields(exc.fields, names)
        raise
    except IntegrityError as exc:
        raise DomainError(
            "다른 요청과 충돌했습니다. 다시 시도하세요.", code="CONFLICT", http_status=409
        ) from exc


# -- member endpoints --------------------------------------------------------------------------
class IsMember(BasePermission):
    def has_permission(self, request, view):
        return isinstance(request.user, MemberUser)


class MemberView(generics.GenericAPIView):
    # serializer_class is the input serializer: OPTIONS describes it; responses are in the schema.
    queryset = MemberCoupon.objects.none()
    authentication_classes = [MemberJWTAuthentication]
    permission_classes = [IsMember]

    def permission_denied(self, request, message=None, code=None):
        raise MemberOnly()

    @property
    def member(self) -> Member:
        return self.request.user.member

    def refuse_other_member(self, data) -> None:
        """The member is the token's `sub`; a body naming another member is refused."""
        if isinstance(data, dict) and "mbrNo" in data and str(data["mbrNo"]) != self.member.mbr_no:
            raise exceptions.PermissionDenied(
                {
                    "code": "MEMBER_MISMATCH",
                    "message": "다른 회원으로 요청할 수 없습니다.",
                    "fields": {"mbrNo": ["토큰의 회원과 다릅니다."]},
                }
            )


def _promo_row(p: Promotion, valid_from, valid_until) -> dict:
    return {
        "promoNo": p.promo_no,
        "promoNm": p.promo_nm,
        "promoTypCd": p.promo_typ_cd,
        "cpnIssuMainCd": p.cpn_issu_main_cd,
        "cpnIssuWayCd": p.cpn_issu_way_cd,
        "fixAmtFxrtGbCd": p.fix_amt_fxrt_gb_cd or None,
        "dcRateAmt": p.dc_rate_amt,
        "minBuyAmt": p.min_buy_amt,
        "minBuyQty": p.min_buy_qty,
        "maxDcAmt": p.max_dc_amt,
        "valiStrtDtm": valid_from,
        "valiEndDtm": valid_until,
        "aplyTgtList": [
            {"aplyGbCd": gb, "aplyTypCd": typ, "tgtNo": no, "tgtNm": nm}
            for gb, typ, no, nm in p.target_rows
        ],
    }


EX_GOODS_ROW = {
    "promoNo": "C1000000",
    "promoNm": "봄맞이 10% 할인",
    "promoTypCd": "11",
    "cpnIssuMainCd": "10",
    "cpnIssuWayCd": "03",
    "fixAmtFxrtGbCd": "02",
    "dcRateAmt": 10,
    "minBuyAmt": 10000,
    "minBuyQty": 1,
    "maxDcAmt": 5000,
    "valiStrtDtm": "2024-05-01T00:00:00+09:00",
    "valiEndDtm": "2024-05-31T23:59:59+09:00",
    "aplyTgtList": [{"aplyGbCd": "01", "aplyTypCd": "08", "tgtNo": "E1000", "tgtNm": "봄 기획전"}],
}


class GoodsDetailCpnListView(MemberView):
    serializer_class = s.GoodsDetailCpnListIn

    @extend_schema(
        operation_id="goodsDetailCpnList",
        summary="상품상세 다운로드가능/사용가능 쿠폰 조회",
        description="회원 전용. cpnType 10: 회원이 가진 사용가능 쿠폰, 20: 다운로드가능 쿠폰(dnldPsbQty 포함). "
        "sortGb 10 최근등록순, 20 마감임박순(사용가능은 유효기간 종료, 다운로드는 프로모션 종료 순).",
        request=s.GoodsDetailCpnListIn,
        responses={200: s.GoodsDetailCpnListOut, **_errors(400, 401, 403, 404)},
        examples=[
            OpenApiExample(
                "사용가능 쿠폰 (seed)",
                request_only=True,
                value={
                    "goodsNo": "1000000001",
                    "ordMediaCd": "20",
                    "cpnType": "10",
                    "sortGb": "10",
                    "rowsPerPage": 10,
                    "pageIdx": 1,
                },
            ),
            OpenApiExample(
                "다운로드가능 쿠폰",
                request_only=True,
                value={
                    "goodsNo": "1000000001",
                    "ordMediaCd": "30",
                    "cpnType": "20",
                    "sortGb": "20",
                    "rowsPerPage": 10,
                    "pageIdx": 1,
                },
            ),
            OpenApiExample(
                "응답 (seed)",
                response_only=True,
                value={
                    "promoCnt": 1,
                    "rowsPerPage": 10,
                    "pageIdx": 1,
                    "list": [{**EX_GOODS_ROW, "dnldPsbQty": 1}],
                },
            ),
        ],
    )
    def post(self, request):
        self.refuse_other_member(request.data)
        data = s.GoodsDetailCpnListIn(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        goods = None
        if v.get("goodsNo"):
            goods = Goods.objects.filter(goods_no=v["goodsNo"]).first()
            if goods is None:
                raise DomainError(
                    "존재하지 않는 상품입니다.",
                    code="UNKNOWN_GOODS",
                    http_status=404,
                    fields={"goodsNo": ["존재하지 않는 상품번호입니다."]},
                )
        now = timezone.now()
        args = dict(
            member=self.member,
            goods=goods,
            ord_media_cd=v["ordMediaCd"],
            sort_gb=v["sortGb"],
            now=now,
        )
        offset = (v["pageIdx"] - 1) * v["rowsPerPage"]
        if v["cpnType"] == codes.CpnType.USABLE:
            total, page = selectors.usable_coupons_page(
                **args, offset=offset, limit=v["rowsPerPage"]
            )
            selectors.with_targets([c.promotion for c in page])
            rows = [
                {**_promo_row(c.promotion, c.valid_from, c.valid_until), "cpnIsuNo": c.cpn_isu_no}
                for c in page
            ]
        else:
            total, page = selectors.downloadable_coupons_page(
                **args, offset=offset, limit=v["rowsPerPage"]
            )
            selectors.with_targets(page)
            rows = [
                {
                    **_promo_row(p, *p.validity_for(now)),
                    "dnldPsbQty": selectors.download_allowance(p),
                }
                for p in page
            ]
        body = {
            "promoCnt": total,
            "rowsPerPage": v["rowsPerPage"],
            "pageIdx": v["pageIdx"],
            "list": rows,
        }
        return Response(s.GoodsDetailCpnListOut(body).data)


EX_ISSUE_OK = {
    "issuedCnt": 2,
    "results": [
        {"promoNo": "C1000000", "issuedQty": 2, "code": "OK", "message": "2장 발급되었습니다."}
    ],
}
EX_ISSUE_REFUSED = {
    "issuedCnt": 0,
    "results": [
        {
            "promoNo": "C1000001",
            "issuedQty": 0,
            "code": "MEMBER_LIMIT",
            "message": "회원당 발급한도(1장)에 도달했습니다.",
        }
    ],
}


class CpnDownView(MemberView):
    serializer_class = s.CpnDownIn

    @extend_schema(
        operation_id="cpnDown",
        summary="쿠폰 다운로드(FO)",
        description="회원 전용. 발급방식 03 쿠폰은 promoNoList(같은 번호를 n번 넣으면 n장), 04 쿠폰은 dcCpnCd. "
        "하나라도 발급되면 200, 아니면 첫 거절의 4xx — 본문은 같은 모양입니다.",
        request=s.CpnDownIn,
        parameters=[IDEMPOTENCY_HEADER],
        responses={
            200: s.IssueOut,
            400: s.IssueOut,
            401: ErrorOut,
            403: ErrorOut,
            404: s.IssueOut,
            409: s.IssueOut,
        },
        examples=[
            OpenApiExample(
                "프로모션번호 (seed)",
                request_only=True,
                value={"promoNoList": ["C1000000, C1000001"]},
            ),
            OpenApiExample(
                "같은 쿠폰 2장", request_only=True, value={"promoNoList": ["C1000000", "C1000000"]}
            ),
            OpenApiExample(
                "할인쿠폰코드",
                request_only=True,
                value={"dcCpnCd": "SPRING2024", "downloadByPromoNo": False},
            ),
            OpenApiExample("발급됨", response_only=True, status_codes=["200"], value=EX_ISSUE_OK),
            OpenApiExample(
                "거절", response_only=True, status_codes=["409"], value=EX_ISSUE_REFUSED
            ),
        ],
    )
    def post(self, request):
        self.refuse_other_member(request.data)
        data = s.CpnDownIn(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        outcome = issuing.coupons_download(
            member=self.member,
            promo_nos=v["promoNoList"],
            dc_cpn_cd=v["dcCpnCd"],
            ord_media_cd=v.get("ordMediaCd"),
            idempotency_key=idempotency_key(request),
        )
        return Response(s.IssueOut(outcome.as_dict()).data, status=outcome.http_status)


EX_AUTO_ROW = {
    "promoNo": "C1000002",
    "promoNm": "생일축하 쿠폰",
    "promoTypCd": "12",
    "ourChrgRate": 100,
    "entrChrgRate": 0,
    "fixAmtFxrtGbCd": "01",
    "dcRateAmt": 3000,
    "minBuyAmt": 30000,
    "maxDcAmt": None,
    "autoIssuPotmCd": "20",
    "anvyPreIsuDds": 7,
    "autoIssuQty": 1,
}


# -- BO / batch endpoints ----------------------------------------------------------------------
class HasPerms(BasePermission):
    """The Django permissions in `view.required_perms[<method>]` (token or admin session)."""

    def has_permission(self, request, view):
        user = request.user
        if not user or not user.is_authenticated or isinstance(user, MemberUser):
            return False
        return user.has_perms(view.required_perms.get(request.method.lower(), ["-"]))


class BOView(generics.GenericAPIView):
    queryset = Promotion.objects.none()
    permission_classes = [HasPerms]
    required_perms: dict = {}


class CpnDownBoView(BOView):
    serializer_class = s.CpnDownBoIn
    required_perms = {"post": ["coupons.issue_membercoupon"]}

    @extend_schema(
        operation_id="cpnDownBo",
        summary="쿠폰 다운로드(BO)",
        description="배치/BO 전용 (coupons.issue_membercoupon; CS보상쿠폰은 coupons.issue_compensation 도). "
        "조건부자동발급(02) 쿠폰은 자동발급수량만큼 발급. 같은 회원·프로모션에 같은 autoIssuOdr 를 다시 보내면 "
        "더 발급하지 않습니다(ALREADY_ISSUED).",
        request=s.CpnDownBoIn,
        parameters=[IDEMPOTENCY_HEADER],
        responses={
            200: s.IssueOut,
            400: s.IssueOut,
            401: ErrorOut,
            403: ErrorOut,
            404: s.IssueOut,
            409: s.IssueOut,
        },
        examples=[
            OpenApiExample(
                "seed",
                request_only=True,
                value={
                    "promoNoList": ["C1000000, C1000001"],
                    "mbrNo": "100000000",
                    "csCpnPayCausCd": "01",
                    "systemUserNo": "100000000",
                    "autoIssuOdr": "20230101",
                },
            ),
            OpenApiExample(
                "배치",
                request_only=True,
                value={
                    "promoNoList": ["C1000002"],
                    "mbrNo": "100000000",
                    "systemUserNo": "BATCH",
                    "autoIssuOdr": "20240501",
                },
            ),
            OpenApiExample("발급됨", response_only=True, status_codes=["200"], value=EX_ISSUE_OK),
        ],
    )
    def post(self, request):
        data = s.CpnDownBoIn(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        if Promotion.objects.filter(
            promo_no__in=set(v["promoNoList"]), cpn_issu_main_cd=codes.Issuer.CS
        ).exists():
            if not request.user.has_perm("coupons.issue_compensation"):
                raise exceptions.PermissionDenied(
                    "CS보상쿠폰 발급 권한(coupons.issue_compensation)이 없습니다."
                )
        outcome = issuing.coupons_download_bo(
            mbr_no=v["mbrNo"],
            promo_nos=v["promoNoList"],
            system_user_no=v["systemUserNo"],
            auto_issu_odr=v["autoIssuOdr"],
            cs_reason_cd=v.get("csCpnPayCausCd") or None,
            dc_cpn_cd=(v.get("dcCpnCd") or None),
            user=request.user,
            idempotency_key=idempotency_key(request),
        )
        return Response(s.IssueOut(outcome.as_dict()).data, status=outcome.http_status)


class CouponListByAutoIssuTypCdView(BOView):
    serializer_class = s.AutoIssueTypeQueryIn
    required_perms = {"get": ["coupons.view_promotion"]}

    @extend_schema(
        operation_id="getCouponListByAutoIssuTypCd",
        summary="자동발급유형별 쿠폰 조회",
        description="배치/BO 전용 (coupons.view_promotion). 사용 중인 MK008 자동발급유형의 승인된, 기간 중인 프로모션 목록.",
        parameters=[s.AutoIssueTypeQueryIn],
        responses={200: s.AutoIssuePromotionOut(many=True), **_errors(400, 401, 403)},
        examples=[OpenApiExample("응답", response_only=True, value=[EX_AUTO_ROW])],
    )
    def get(self, request):
        data = s.AutoIssueTypeQueryIn(data=request.query_params)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        if not selectors.auto_issue_type_in_use(v["autoIssuTypCd"]):
            raise exceptions.ValidationError(
                {"autoIssuTypCd": ["사용 중인 자동발급유형(MK008) 코드가 아닙니다."]}
            )
        rows = selectors.promotions_by_auto_issue_type(
            auto_issu_typ_cd=v["autoIssuTypCd"], grade_cd=v.get("gradeCd")
        )
        return Response(s.AutoIssuePromotionOut(rows, many=True).data)


class CpnIssuListView(MemberView):
    serializer_class = s.CpnIssuListQueryIn

    @extend_schema(
        operation_id="cpnIssuList",
        summary="회원별 쿠폰 조회 (쿠폰함)",
        description="회원 전용. 회수된 쿠폰은 보이지 않고, 유효기간이 지난 쿠폰은 EXPIRED 입니다. "
        "promoCnt = 지금 사용 가능한 쿠폰 수(useYn=Y), totPromoCnt = 회수 제외 전체.",
        parameters=[s.CpnIssuListQueryIn],
        responses={200: s.CpnIssuListOut, **_errors(400, 401)},
        examples=[
            OpenApiExample(
                "응답 (seed)",
                response_only=True,
                value={
                    "promoCnt": 1,
                    "totPromoCnt": 1,
                    "rowsPerPage": 10,
                    "pageIdx": 1,
                    "list": [
                        {
                            "cpnIsuNo": 1,
                            "promoNo": "C1000000",
                            "promoNm": "봄맞이 10% 할인",
                            "promoTypCd": "11",
                            "fixAmtFxrtGbCd": "02",
                            "dcRateAmt": 10,
                            "minBuyQty": 1,
                            "minBuyAmt": 10000,
                            "maxDcAmt": 5000,
                            "ordMediaCdList": ["20", "30"],
                            "cpnIsuDtm": "2024-05-02T10:00:00+09:00",
                            "valiStrtDtm": "2024-05-01T00:00:00+09:00",
                            "valiEndDtm": "2024-05-31T23:59:59+09:00",
                            "cpnStatCd": "ISSUED",
                            "useYn": "Y",
                        }
                    ],
                },
            )
        ],
    )
    def get(self, request):
        self.refuse_other_member(request.query_params.dict())
        data = s.CpnIssuListQueryIn(data=request.query_params)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        now = timezone.now()
        total, usable, page = selectors.coupon_box_page(
            member=self.member,
            sort_gb=v["sortGb"],
            site_no=v.get("siteNo"),
            now=now,
            offset=(v["pageIdx"] - 1) * v["rowsPerPage"],
            limit=v["rowsPerPage"],
        )
        rows = [
            {
                "cpnIsuNo": c.cpn_isu_no,
                "promoNo": c.promotion.promo_no,
                "promoNm": c.promotion.promo_nm,
                "promoTypCd": c.promotion.promo_typ_cd,
                "fixAmtFxrtGbCd": c.promotion.fix_amt_fxrt_gb_cd or None,
                "dcRateAmt": c.promotion.dc_rate_amt,
                "minBuyQty": c.promotion.min_buy_qty,
                "minBuyAmt": c.promotion.min_buy_amt,
                "maxDcAmt": c.promotion.max_dc_amt,
                "ordMediaCdList": list(c.promotion.ord_media_cds),
                "cpnIsuDtm": _local_iso(c.issued_at),
                "valiStrtDtm": _local_iso(c.valid_from),
                "valiEndDtm": _local_iso(c.valid_until),
                "cpnStatCd": c.cpn_stat_cd,
                "useYn": "Y" if c.usable_now else "N",
            }
            for c in page
        ]
        # The rows are built in the shape of CpnIssuListOut (the schema) directly: the coupon box
        # is the hottest read of the mall and a serializer pass over it costs more than its query.
        body = {
            "promoCnt": usable,
            "totPromoCnt": total,
            "rowsPerPage": v["rowsPerPage"],
            "pageIdx": v["pageIdx"],
            "list": rows,
        }
        return Response(body)


# -- admin REST API ----------------------------------------------------------------------------
class AdminCursorPagination(CursorPagination):
    """Keyset paging (no COUNT, no deep OFFSET): `rowsPerPage` 1–100, `cursor` from `next`."""

    page_size = 50
    page_size_query_param = "rowsPerPage"
    max_page_size = 100

    def get_ordering(self, request, queryset, view):
        return (view.cursor_ordering,)

    def decode_cursor(self, request):
        cursor = super().decode_cursor(request)
        position = cursor.position if cursor else None
        if position is not None:
            pattern = getattr(self._view, "cursor_position_re", r"^[^\x00]{1,40}$")
            if not re.match(pattern, position):
                raise exceptions.NotFound(self.invalid_cursor_message)
        return cursor

    def paginate_queryset(self, queryset, request, view=None):
        self._view = view
        return super().paginate_queryset(queryset, request, view)


class AdminView(generics.GenericAPIView):
    permission_classes = [ModelPermissions]
    pagination_class = AdminCursorPagination
    filter_backends = [filters.DjangoFilterBackend]


PROMO_NO_PATH = OpenApiParameter(
    "promoNo",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    pattern=s.PROMO_NO_RE,
    description="프로모션번호 (C + 숫자 7자리)",
)


class PromotionFilter(filters.FilterSet):
    promoStatCd = filters.ChoiceFilter(
        field_name="promo_stat_cd", choices=codes.PromoStatus.choices
    )
    promoTypCd = filters.ChoiceFilter(field_name="promo_typ_cd", choices=codes.PromoType.choices)
    cpnIssuMainCd = filters.ChoiceFilter(
        field_name="cpn_issu_main_cd", choices=codes.Issuer.choices
    )
    cpnIssuWayCd = filters.ChoiceFilter(
        field_name="cpn_issu_way_cd", choices=codes.IssueMethod.choices
    )

    class Meta:
        model = Promotion
        fields = []


def _promotion_args(validated: dict) -> dict:
    data = dict(validated)
    targets = data.pop("targets", None)
    return {"data": data, "targets": targets}


class PromotionListCreateView(AdminView, generics.ListAPIView):
    queryset = Promotion.objects.prefetch_related("targets")
    serializer_class = s.PromotionOut
    filterset_class = PromotionFilter
    cursor_ordering = "-promo_no"
    cursor_position_re = s.PROMO_NO_RE

    @extend_schema(
        summary="프로모션 목록",
        responses={200: s.PromotionOut(many=True), **_errors(400, 401, 403, 404)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="프로모션 등록 (DRAFT)",
        request=s.PromotionIn,
        responses={201: s.PromotionOut, **_errors(400, 401, 403, 409)},
        examples=[
            OpenApiExample(
                "다운로드 쿠폰",
                request_only=True,
                value={
                    "promoNm": "봄맞이 10% 할인",
                    "promoTypCd": "11",
                    "cpnIssuMainCd": "10",
                    "cpnIssuWayCd": "03",
                    "fixAmtFxrtGbCd": "02",
                    "dcRateAmt": 10,
                    "minBuyAmt": 10000,
                    "maxDcAmt": 5000,
                    "ourChrgRate": 70,
                    "entrChrgRate": 30,
                    "promoStrDtm": "2024-05-01T00:00:00+09:00",
                    "promoEndDtm": "2024-05-31T23:59:59+09:00",
                    "valiBasisCd": "02",
                    "valiDays": 7,
                    "issuLmtQty": 1000,
                    "mbrIssuLmtQty": 1,
                    "ordMediaCdList": ["20", "30", "40", "50"],
                    "gradeCdList": ["30"],
                    "uprGradeAplyYn": "Y",
                    "siteNoList": ["1"],
                    "targets": [
                        {"aplyGbCd": "01", "aplyTypCd": "08", "tgtNo": "E1000"},
                        {"aplyGbCd": "02", "aplyTypCd": "06", "tgtNo": "B200"},
                    ],
                },
            )
        ],
    )
    def post(self, request):
        data = s.PromotionIn(data=request.data)
        data.is_valid(raise_exception=True)
        promotion = call_service(
            services.promotion_create,
            names=s.PROMOTION_FIELD_NAMES,
            user=request.user,
            **_promotion_args(data.validated_data),
        )
        promotion = self.get_queryset().get(pk=promotion.pk)
        return Response(s.PromotionOut(promotion).data, status=status.HTTP_201_CREATED)


class PromotionObjectMixin:
    queryset = Promotion.objects.prefetch_related("targets")

    def get_object(self):
        promo_no = self.kwargs["promoNo"]
        if not re.match(s.PROMO_NO_RE, promo_no):
            raise exceptions.NotFound("존재하지 않는 프로모션입니다.")
        promotion = self.get_queryset().filter(promo_no=promo_no).first()
        if promotion is None:
            raise exceptions.NotFound("존재하지 않는 프로모션입니다.")
        self.check_object_permissions(self.request, promotion)
        return promotion


class PromotionDetailView(PromotionObjectMixin, AdminView):
    serializer_class = s.PromotionIn

    @extend_schema(
        summary="프로모션 조회",
        parameters=[PROMO_NO_PATH],
        responses={200: s.PromotionOut, **_errors(401, 403, 404)},
    )
    def get(self, request, promoNo):
        return Response(s.PromotionOut(self.get_object()).data)

    def _update(self, request, partial):
        promotion = self.get_object()
        data = s.PromotionIn(data=request.data, partial=partial)
        data.is_valid(raise_exception=True)
        call_service(
            services.promotion_update,
            names=s.PROMOTION_FIELD_NAMES,
            user=request.user,
            promotion=promotion,
            **_promotion_args(data.validated_data),
        )
        return Response(s.PromotionOut(self.get_object()).data)

    @extend_schema(
        summary="프로모션 수정 (전체)",
        parameters=[PROMO_NO_PATH],
        request=s.PromotionIn,
        responses={200: s.PromotionOut, **_errors(400, 401, 403, 404, 409)},
    )
    def put(self, request, promoNo):
        return self._update(request, partial=False)

    @extend_schema(
        summary="프로모션 수정 (일부)",
        parameters=[PROMO_NO_PATH],
        request=s.PromotionIn,
        responses={200: s.PromotionOut, **_errors(400, 401, 403, 404, 409)},
    )
    def patch(self, request, promoNo):
        return self._update(request, partial=True)


class PromotionTransitionView(PromotionObjectMixin, AdminView):
    serializer_class = s.NoBody
    required_perms = {"post": ["coupons.approve_promotion"]}
    service = None

    def post(self, request, promoNo):
        promotion = call_service(
            type(self).service,
            names=s.PROMOTION_FIELD_NAMES,
            user=request.user,
            promotion=self.get_object(),
        )
        return Response(s.PromotionOut(self.get_queryset().get(pk=promotion.pk)).data)


def _transition_view(name, service, summary):
    view = type(name, (PromotionTransitionView,), {"service": staticmethod(service)})
    view.post = extend_schema(
        summary=summary,
        request=None,
        parameters=[PROMO_NO_PATH],
        responses={200: s.PromotionOut, **_errors(400, 401, 403, 404, 409)},
    )(view.post)
    return view


PromotionApproveView = _transition_view(
    "PromotionApproveView",
    services.promotion_approve,
    "승인 (DRAFT/SUSPENDED → APPROVED; 마지막 수정자는 승인 불가)",
)
PromotionSuspendView = _transition_view(
    "PromotionSuspendView", services.promotion_suspend, "중지 (APPROVED → SUSPENDED)"
)
PromotionEndView = _transition_view("PromotionEndView", services.promotion_end, "종료 (→ ENDED)")


# members, goods, exhibitions
class MemberFilter(filters.FilterSet):
    gradeCd = filters.ChoiceFilter(field_name="grade_cd", choices=codes.Grade.choices)
    siteNo = filters.CharFilter(field_name="site_no", max_length=10)

    class Meta:
        model = Member
        fields = []


class GoodsFilter(filters.FilterSet):
    entrNo = filters.CharFilter(field_name="entr_no", max_length=20)
    dispCtgNo = filters.CharFilter(field_name="disp_ctg_no", max_length=20)
    brandNo = filters.CharFilter(field_name="brand_no", max_length=20)
    siteNo = filters.CharFilter(field_name="site_no", max_length=10)

    class Meta:
        model = Goods
        fields = []


class ExhibitionFilter(filters.FilterSet):
    goodsNo = filters.CharFilter(field_name="goods__goods_no", max_length=20)

    class Meta:
        model = Exhibition
        fields = []


class MemberListView(AdminView, generics.ListAPIView):
    queryset = Member.objects.all()
    serializer_class = s.MemberOut
    filterset_class = MemberFilter
    cursor_ordering = "mbr_no"

    @extend_schema(
        summary="회원 목록", responses={200: s.MemberOut(many=True), **_errors(400, 401, 403, 404)}
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class GoodsListView(AdminView, generics.ListAPIView):
    queryset = Goods.objects.all()
    serializer_class = s.GoodsOut
    filterset_class = GoodsFilter
    cursor_ordering = "goods_no"

    @extend_schema(
        summary="상품 목록", responses={200: s.GoodsOut(many=True), **_errors(400, 401, 403, 404)}
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class ExhibitionListView(AdminView, generics.ListAPIView):
    queryset = Exhibition.objects.prefetch_related("goods")
    serializer_class = s.ExhibitionOut
    filterset_class = ExhibitionFilter
    cursor_ordering = "exhibition_no"

    @extend_schema(
        summary="기획전 목록",
        responses={200: s.ExhibitionOut(many=True), **_errors(400, 401, 403, 404)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class BulkUpsertView(AdminView):
    serializer_class = s.BulkIn
    upsert = None
    filter_backends = []
    pagination_class = None

    def post(self, request):
        data = s.BulkIn(data=request.data)
        data.is_valid(raise_exception=True)
        rows = data.validated_data["rows"]
        # Text with a NUL character cannot be stored (PostgreSQL refuses it): such a row is rejected
        # here, under its own index, and the catalog sees a placeholder it rejects too.
        nul_rows = {i for i, row in enumerate(rows, start=1) if _has_nul(row)}
        clean = [None if i in nul_rows else row for i, row in enumerate(rows, start=1)]
        result = type(self).upsert(clean)
        rejected = [
            {
                "row": i,
                "reason": "NUL 문자(\\u0000)는 저장할 수 없습니다." if i in nul_rows else reason,
            }
            for i, reason in result.rejected
        ]
        return Response(
            {"created": result.created, "updated": result.updated, "rejected": rejected}
        )


def _has_nul(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def _bulk_view(name, model, upsert, doc, summary):
    view = type(
        name,
        (BulkUpsertView,),
        {
            "queryset": model.objects.none(),
            "upsert": staticmethod(upsert),
            "required_perms": {
                "post": [
                    f"coupons.add_{model._meta.model_name}",
                    f"coupons.change_{model._meta.model_name}",
                ]
            },
        },
    )
    view.post = extend_schema(
        summary=summary, request=doc, responses={200: s.BulkOut, **_errors(400, 401, 403)}
    )(view.post)
    return view


MemberBulkView = _bulk_view(
    "MemberBulkView",
    Member,
    catalog.members_upsert,
    s.MembersBulkDoc,
    "회원 일괄 등록/수정 (최대 10,000행, 행별 오류)",
)
GoodsBulkView = _bulk_view(
    "GoodsBulkView",
    Goods,
    catalog.goods_upsert,
    s.GoodsBulkDoc,
    "상품 일괄 등록/수정 (최대 10,000행, 행별 오류)",
)
ExhibitionBulkView = _bulk_view(
    "ExhibitionBulkView",
    Exhibition,
    catalog.exhibitions_upsert,
    s.ExhibitionsBulkDoc,
    "기획전 일괄 등록/수정 (최대 10,000행, 행별 오류; goodsNoList 로 상품 교체)",
)


# member coupons, compensation
class MemberCouponFilter(filters.FilterSet):
    mbrNo = filters.CharFilter(field_name="member_id", max_length=20)
    promoNo = filters.CharFilter(field_name="promotion__promo_no", max_length=8)
    cpnStatCd = filters.ChoiceFilter(field_name="status", choices=codes.CouponStatus.choices)
    status = filters.ChoiceFilter(
        field_name="status", choices=codes.CouponStatus.choices, help_text="cpnStatCd 와 같음"
    )
    channel = filters.ChoiceFilter(field_name="channel", choices=codes.Channel.choices)
    csCpnPayCausCd = filters.ChoiceFilter(
        field_name="cs_cpn_pay_caus_cd", choices=codes.CsReason.choices
    )

    class Meta:
        model = MemberCoupon
        fields = []


class MemberCouponListView(AdminView, generics.ListAPIView):
    queryset = MemberCoupon.objects.select_related("promotion", "issued_by", "revoked_by")
    serializer_class = s.MemberCouponOut
    filterset_class = MemberCouponFilter
    cursor_ordering = "-cpn_isu_no"
    cursor_position_re = r"^\d{1,18}$"

    @extend_schema(
        summary="회원쿠폰 목록",
        responses={200: s.MemberCouponOut(many=True), **_errors(400, 401, 403, 404)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class MemberCouponRevokeView(AdminView):
    serializer_class = s.RevokeIn
    queryset = MemberCoupon.objects.none()
    required_perms = {"post": ["coupons.revoke_membercoupon"]}
    filter_backends = []
    pagination_class = None

    @extend_schema(
        summary="회원쿠폰 회수",
        request=s.RevokeIn,
        parameters=[OpenApiParameter("cpnIsuNo", OpenApiTypes.INT, OpenApiParameter.PATH)],
        responses={200: s.MemberCouponOut, **_errors(400, 401, 403, 404, 409)},
    )
    def post(self, request, cpnIsuNo):
        data = s.RevokeIn(data=request.data)
        data.is_valid(raise_exception=True)
        if cpnIsuNo > s.BIGINT_MAX:
            raise exceptions.NotFound("존재하지 않는 회원쿠폰입니다.")
        coupon = call_service(
            issuing.coupon_revoke,
            user=request.user,
            coupon=cpnIsuNo,
            reason=data.validated_data["reason"],
        )
        return Response(s.MemberCouponOut(coupon).data)


COMPENSATION_FIELD_NAMES = {
    "promotion": "promoNo",
    "cs_cpn_pay_caus_cd": "csCpnPayCausCd",
    "mbr_nos": "mbrNoList",
}


class CompensationView(AdminView):
    serializer_class = s.CompensationIn
    queryset = MemberCoupon.objects.none()
    required_perms = {"post": ["coupons.issue_compensation"]}
    filter_backends = []
    pagination_class = None

    @extend_schema(
        summary="CS 보상쿠폰 발급 (preview: true 면 검증만)",
        description="회원별 결과(OK 또는 UNKNOWN_MEMBER, MEMBER_LIMIT, GRADE_NOT_ELIGIBLE, SOLD_OUT …). "
        "같은 Idempotency-Key 로 다시 보내면 처음 실행을 돌려주고 더 발급하지 않습니다. "
        "1,000명을 넘으면 백그라운드 작업으로 돌고 202 와 runId 를 답합니다.",
        request=s.CompensationIn,
        parameters=[IDEMPOTENCY_HEADER],
        responses={
            200: s.CompensationOut,
            202: s.CompensationOut,
            **_errors(400, 401, 403, 404, 409),
        },
        examples=[
            OpenApiExample(
                "미리보기",
                request_only=True,
                value={
                    "mbrNoList": ["100000000", "100000001"],
                    "promoNo": "C1000003",
                    "csCpnPayCausCd": "02",
                    "memo": "배송지연 보상",
                    "ordNo": "20240501000123",
                    "preview": True,
                },
            )
        ],
    )
    def post(self, request):
        data = s.CompensationIn(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        key = idempotency_key(request)
        if v["preview"]:
            checks = call_service(
                compensation.compensation_preview,
                names=COMPENSATION_FIELD_NAMES,
                promotion=v["promoNo"],
                mbr_nos=v["mbrNoList"],
                reason_cd=v["csCpnPayCausCd"],
            )
            body = {
                "preview": True,
                "runId": None,
                "runStatCd": None,
                "issuedCnt": 0,
                "results": [
                    {"mbrNo": c.mbr_no, "issuedQty": 0, "code": c.code, "message": c.message}
                    for c in checks
                ],
            }
            return Response(s.CompensationOut(body).data)
        # The submission key makes a double submission issue once: the caller's Idempotency-Key
        # (scoped to the user), or a fresh one when none is sent.
        raw = f"api:{request.user.pk}:{key}" if key else f"api:{uuid.uuid4()}"
        run = call_service(
            compensation.compensation_issue,
            names=COMPENSATION_FIELD_NAMES,
            user=request.user,
            promotion=v["promoNo"],
            mbr_nos=v["mbrNoList"],
            reason_cd=v["csCpnPayCausCd"],
            memo=v["memo"],
            ord_no=v["ordNo"],
            submission_key=hashlib.sha256(raw.encode()).hexdigest(),
        )
        items = (
            CompensationItem.objects.filter(run_id=run.pk)
            .order_by("line_no")
            .values_list("mbr_no", "status", "code", "message")
        )
        body = {
            "preview": False,
            "runId": run.pk,
            "runStatCd": run.status,
            "issuedCnt": run.issued,
            "results": [
                {
                    "mbrNo": m,
                    "issuedQty": int(st == CompensationItem.Status.ISSUED),
                    "code": code or st,
                    "message": msg,
                }
                for m, st, code, msg in items
            ],
        }
        done = run.status in (CompensationRun.Status.DONE, CompensationRun.Status.FAILED)
        return Response(
            s.CompensationOut(body).data,
            status=status.HTTP_200_OK if done else status.HTTP_202_ACCEPTED,
        )
