"""Admin REST resources of the member and catalog mirror: `members/`, `goods/`, `exhibitions/`
(keyset-paged lists) and their `bulk/` upserts (up to 10,000 rows, rejected rows by index)."""

from __future__ import annotations

from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.response import Response

from coupons import catalog, codes
from coupons.api.common import error_responses
from coupons.models import Exhibition, Goods, Member

from . import serializers as s
from .base import AdminView


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
        summary="회원 목록",
        responses={200: s.MemberOut(many=True), **error_responses(400, 401, 403, 404)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class GoodsListView(AdminView, generics.ListAPIView):
    queryset = Goods.objects.all()
    serializer_class = s.GoodsOut
    filterset_class = GoodsFilter
    cursor_ordering = "goods_no"

    @extend_schema(
        summary="상품 목록",
        responses={200: s.GoodsOut(many=True), **error_responses(400, 401, 403, 404)},
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
        responses={200: s.ExhibitionOut(many=True), **error_responses(400, 401, 403, 404)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class BulkUpsertView(AdminView):
    """POST `rows`; each subclass names its model's queryset, permissions and upsert service."""

    serializer_class = s.BulkIn
    filter_backends = []
    pagination_class = None

    def upsert_rows(self, request, upsert):
        data = s.BulkIn(data=request.data)
        data.is_valid(raise_exception=True)
        rows = data.validated_data["rows"]
        # Text with a NUL character cannot be stored (PostgreSQL refuses it): such a row is rejected
        # here, under its own index, and the catalog sees a placeholder it rejects too.
        nul_rows = {i for i, row in enumerate(rows, start=1) if _has_nul(row)}
        clean = [None if i in nul_rows else row for i, row in enumerate(rows, start=1)]
        result = upsert(clean)
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


BULK_RESPONSES = {200: s.BulkOut, **error_responses(400, 401, 403)}


class MemberBulkView(BulkUpsertView):
    queryset = Member.objects.none()
    required_perms = {"post": ["coupons.add_member", "coupons.change_member"]}

    @extend_schema(
        summary="회원 일괄 등록/수정 (최대 10,000행, 행별 오류)",
        request=s.MembersBulkDoc,
        responses=BULK_RESPONSES,
    )
    def post(self, request):
        return self.upsert_rows(request, catalog.members_upsert)


class GoodsBulkView(BulkUpsertView):
    queryset = Goods.objects.none()
    required_perms = {"post": ["coupons.add_goods", "coupons.change_goods"]}

    @extend_schema(
        summary="상품 일괄 등록/수정 (최대 10,000행, 행별 오류)",
        request=s.GoodsBulkDoc,
        responses=BULK_RESPONSES,
    )
    def post(self, request):
        return self.upsert_rows(request, catalog.goods_upsert)


class ExhibitionBulkView(BulkUpsertView):
    queryset = Exhibition.objects.none()
    required_perms = {"post": ["coupons.add_exhibition", "coupons.change_exhibition"]}

    @extend_schema(
        summary="기획전 일괄 등록/수정 (최대 10,000행, 행별 오류; goodsNoList 로 상품 교체)",
        request=s.ExhibitionsBulkDoc,
        responses=BULK_RESPONSES,
    )
    def post(self, request):
        return self.upsert_rows(request, catalog.exhibitions_upsert)
