"""The mall's coupon API (/v1/marketing/, SPEC §4): thin views that parse with an input serializer,
call one selector or service, and shape the answer.

One style: DRF generic views, one class per operation. Member endpoints authenticate by the mall's
JWT only (a member token never reaches BO or admin endpoints, and the member is always the token's
`sub`); BO / batch endpoints by DRF token or admin session plus a Django permission.
"""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import exceptions, generics
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from coupons import codes, issuing, selectors
from coupons.api.common import (
    IDEMPOTENCY_HEADER,
    error_responses,
    idempotency_key,
    issue_responses,
)
from coupons.api.names import api_name
from coupons.errors import DomainError
from coupons.models import Member, MemberCoupon, Promotion

from . import serializers as s
from .authentication import MemberJWTAuthentication, MemberOnly, MemberUser


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


# The API names of a goods-detail row's promotion columns (selectors.GOODS_ROW_FIELDS).
GOODS_ROW_NAMES = tuple(api_name(f) for f in selectors.GOODS_ROW_FIELDS)
# Promotion columns of a coupon-box row.
BOX_ROW_FIELDS = (
    "promo_no",
    "promo_nm",
    "promo_typ_cd",
    "fix_amt_fxrt_gb_cd",
    "dc_rate_amt",
    "min_buy_qty",
    "min_buy_amt",
    "max_dc_amt",
)
# The one code stored as "" that the mall API answers as null.
BLANK_CODE_NAME = api_name("fix_amt_fxrt_gb_cd")
# (column of a coupon-box row, its API name) for the promotion's columns (selectors.BOX_COLUMNS).
BOX_PROMOTION_NAMES = tuple((f"promotion__{f}", api_name(f)) for f in BOX_ROW_FIELDS)


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
        responses={200: s.GoodsDetailCpnListOut, **error_responses(400, 401, 403, 404)},
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
            goods = selectors.goods_codes(v["goodsNo"])
            if goods is None:
                raise DomainError(
                    "존재하지 않는 상품입니다.",
                    code="UNKNOWN_GOODS",
                    http_status=404,
                    fields={"goodsNo": ["존재하지 않는 상품번호입니다."]},
                )
        member = self.member
        total, page, targets = selectors.goods_detail_page(
            cpn_type=v["cpnType"],
            mbr_no=member.mbr_no,
            grade_cd=member.grade_cd,
            member_site_no=member.site_no,
            goods=goods,
            ord_media_cd=v["ordMediaCd"],
            sort_gb=v["sortGb"],
            offset=(v["pageIdx"] - 1) * v["rowsPerPage"],
            limit=v["rowsPerPage"],
            now=timezone.now(),
        )
        # The rows in the shape and with the values GoodsDetailCpnListOut gives (a test holds
        # them equal): the serializer's pass over the page cost more than its two queries.
        last = "cpnIsuNo" if v["cpnType"] == codes.CpnType.USABLE else "dnldPsbQty"
        tz = timezone.get_current_timezone()
        rows = []
        for promotion_id, *columns, valid_from, valid_until, extra in page:
            row = dict(zip(GOODS_ROW_NAMES, columns, strict=True))
            row[BLANK_CODE_NAME] = row[BLANK_CODE_NAME] or None
            row["valiStrtDtm"] = drf_datetime(valid_from, tz)
            row["valiEndDtm"] = drf_datetime(valid_until, tz)
            row["aplyTgtList"] = [
                {"aplyGbCd": gb, "aplyTypCd": typ, "tgtNo": no, "tgtNm": nm}
                for gb, typ, no, nm in targets[promotion_id]
            ]
            row[last] = extra
            rows.append(row)
        return Response(
            {
                "promoCnt": total,
                "rowsPerPage": v["rowsPerPage"],
                "pageIdx": v["pageIdx"],
                "list": rows,
            }
        )


def drf_datetime(value, tz):
    """A datetime as DRF's DateTimeField renders it in `tz` (ISO 8601, UTC as Z)."""
    if value is None:
        return None
    text = value.astimezone(tz).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


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
        responses=issue_responses(s.IssueOut),
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
        # as_dict() is IssueOut's shape and types already (tests/coupons/api/mall/test_lean_rows.py).
        return Response(outcome.as_dict(), status=outcome.http_status)


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
        responses=issue_responses(s.IssueOut),
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
        responses={200: s.AutoIssuePromotionOut(many=True), **error_responses(400, 401, 403)},
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
        "promoCnt = 지금 사용 가능한 쿠폰 수(usePsbYn=Y), totPromoCnt = 회수 제외 전체. "
        "주문에 사용된 쿠폰은 cpnStatCd USED, useYn Y 와 useDtm, ordNo.",
        parameters=[s.CpnIssuListQueryIn],
        responses={200: s.CpnIssuListOut, **error_responses(400, 401)},
        examples=[
            OpenApiExample(
                "응답 (seed)",
                response_only=True,
                value={
                    "promoCnt": 1,
                    "totPromoCnt": 2,
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
                            "useYn": "N",
                            "useDtm": None,
                            "ordNo": None,
                            "usePsbYn": "Y",
                        },
                        {
                            "cpnIsuNo": 2,
                            "promoNo": "C1000001",
                            "promoNm": "장바구니 3,000원 할인",
                            "promoTypCd": "12",
                            "fixAmtFxrtGbCd": "01",
                            "dcRateAmt": 3000,
                            "minBuyQty": 1,
                            "minBuyAmt": 30000,
                            "maxDcAmt": None,
                            "ordMediaCdList": ["20", "30"],
                            "cpnIsuDtm": "2024-05-02T10:00:00+09:00",
                            "valiStrtDtm": "2024-05-01T00:00:00+09:00",
                            "valiEndDtm": "2024-05-31T23:59:59+09:00",
                            "cpnStatCd": "USED",
                            "useYn": "Y",
                            "useDtm": "2024-05-03T14:20:00+09:00",
                            "ordNo": "20240503000123",
                            "usePsbYn": "N",
                        },
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
            member=request.user.mbr_no,
            sort_gb=v["sortGb"],
            site_no=v.get("siteNo"),
            now=now,
            offset=(v["pageIdx"] - 1) * v["rowsPerPage"],
            limit=v["rowsPerPage"],
        )
        tz = timezone.get_current_timezone()  # the zone once per request, not per timestamp
        used = codes.CouponStatus.USED
        rows = []
        for c in page:
            row = {api_name("cpn_isu_no"): c["cpn_isu_no"]}
            for field, api in BOX_PROMOTION_NAMES:
                row[api] = c[field]
            row[BLANK_CODE_NAME] = row[BLANK_CODE_NAME] or None
            used_at = c["used_at"]
            row.update(
                {
                    api_name("ord_media_cds"): c["promotion__ord_media_cds"],
                    api_name("issued_at"): c["issued_at"].astimezone(tz).isoformat(),
                    api_name("valid_from"): c["valid_from"].astimezone(tz).isoformat(),
                    api_name("valid_until"): c["valid_until"].astimezone(tz).isoformat(),
                    api_name("status"): c["cpn_stat_cd"],
                    # useYn is "used" as the platform's storefront reads it; usePsbYn "usable now"
                    "useYn": "Y" if c["status"] == used else "N",
                    "useDtm": used_at.astimezone(tz).isoformat() if used_at is not None else None,
                    "ordNo": c["use_ord_no"] or None,
                    "usePsbYn": "Y" if c["usable_now"] else "N",
                }
            )
            rows.append(row)
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
