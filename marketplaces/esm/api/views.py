"""Admin REST API for ESM sponsorship settings (`esm/sponsorships/`) and seller discounts
(`esm/seller-discounts/`): DRF generic views, one class per operation, keyed by `goodsNo`.
Push / release / pull (and read, for seller discounts) answer 202 with the sync job to follow."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, generics, status
from rest_framework.response import Response

from backoffice.jobs.api import JobOut
from marketplaces.api.views import JOB_ACCEPTED, JobActionView, MarketplaceView
from marketplaces.esm import seller_discounts as sd
from marketplaces.esm import services as esm
from marketplaces.esm.models import EsmSellerDiscount, EsmSponsorship

from . import serializers as s


class EsmSponsorshipFilter(filters.FilterSet):
    goodsNo = filters.CharFilter(field_name="goods_no")
    localState = filters.ChoiceFilter(
        field_name="local_state", choices=EsmSponsorship.LocalState.choices
    )
    remoteState = filters.ChoiceFilter(
        field_name="remote_state", choices=EsmSponsorship.RemoteState.choices
    )


class EsmSponsorshipView(MarketplaceView):
    queryset = EsmSponsorship.objects.all()
    field_names = esm.API_FIELD_NAMES
    lookup_field = "goods_no"
    lookup_url_kwarg = "goodsNo"


class EsmSponsorshipListCreateView(EsmSponsorshipView, generics.ListAPIView):
    serializer_class = s.EsmSponsorshipOut
    filterset_class = EsmSponsorshipFilter

    @extend_schema(
        request=s.EsmSponsorshipIn,
        responses={201: s.EsmSponsorshipOut},
        summary="Create one goods' sponsorship settings (checked, not yet sent)",
    )
    def post(self, request):
        data = s.EsmSponsorshipIn(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            sponsorship = esm.esm_sponsorship_create(
                user=request.user,
                goods_no=data.validated_data["goodsNo"],
                **s.EsmSponsorshipIn.to_model_kwargs(data.validated_data),
            )
        except DjangoValidationError as exc:
            raise self.refused(exc) from None
        return Response(s.EsmSponsorshipOut(sponsorship).data, status=status.HTTP_201_CREATED)


class EsmSponsorshipDetailView(EsmSponsorshipView, generics.RetrieveAPIView):
    serializer_class = s.EsmSponsorshipOut

    @extend_schema(
        request=s.EsmSponsorshipUpdateIn,
        responses={200: s.EsmSponsorshipOut},
        summary="Change the settings (checked, not yet sent)",
    )
    def put(self, request, goodsNo):
        sponsorship = self.get_object()
        data = s.EsmSponsorshipUpdateIn(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            sponsorship = esm.esm_sponsorship_update(
                sponsorship=sponsorship,
                user=request.user,
                **s.EsmSponsorshipUpdateIn.to_model_kwargs(data.validated_data),
            )
        except DjangoValidationError as exc:
            raise self.refused(exc) from None
        return Response(s.EsmSponsorshipOut(sponsorship).data)


_202 = JOB_ACCEPTED


class EsmSponsorshipActionView(EsmSponsorshipView, JobActionView):
    required_perms = {"post": ["marketplaces.change_esmsponsorship"]}
    service_key = "sponsorship"


@extend_schema(request=None, responses=_202, summary="Send to ESM (POST the first time, PUT after)")
class EsmSponsorshipPushView(EsmSponsorshipActionView):
    service = esm.esm_sponsorship_push


@extend_schema(request=None, responses=_202, summary="Release on ESM (DELETE)")
class EsmSponsorshipReleaseView(EsmSponsorshipActionView):
    service = esm.esm_sponsorship_release


@extend_schema(
    request=None, responses=_202, summary="Read from ESM (GET) and compare with the local values"
)
class EsmSponsorshipPullView(EsmSponsorshipActionView):
    service = esm.esm_sponsorship_pull


@extend_schema(
    request=s.BulkPushIn,
    responses=_202,
    summary="Send many goods to ESM as ONE job (progress and per-goods outcomes)",
)
class EsmSponsorshipBulkPushView(EsmSponsorshipView):
    serializer_class = JobOut
    required_perms = {"post": ["marketplaces.change_esmsponsorship"]}
    pagination_class = None

    def post(self, request):
        data = s.BulkPushIn(data=request.data)
        data.is_valid(raise_exception=True)
        wanted = list(dict.fromkeys(data.validated_data["goodsNoList"]))
        rows = list(EsmSponsorship.objects.filter(goods_no__in=wanted))
        missing = sorted(set(wanted) - {r.goods_no for r in rows})
        if missing:
            raise exceptions.ValidationError(
                {"goodsNoList": ["등록되지 않은 상품번호: " + ", ".join(missing[:20])]}
            )
        by_goods = {r.goods_no: r for r in rows}
        try:
            job = esm.esm_sponsorships_push_bulk(
                sponsorships=[by_goods[g] for g in wanted], user=request.user
            )
        except DjangoValidationError as exc:
            raise self.refused(exc) from None
        return self.accepted(job)


# =================================================================================================
# Seller discounts (판매자할인): `esm/seller-discounts/`
# =================================================================================================
class EsmSellerDiscountFilter(filters.FilterSet):
    goodsNo = filters.CharFilter(field_name="goods_no")
    promoNo = filters.CharFilter(field_name="promotion__promo_no")
    localState = filters.ChoiceFilter(
        field_name="local_state", choices=EsmSellerDiscount.LocalState.choices
    )
    remoteState = filters.ChoiceFilter(
        field_name="remote_state", choices=EsmSellerDiscount.RemoteState.choices
    )


class EsmSellerDiscountView(MarketplaceView):
    queryset = EsmSellerDiscount.objects.select_related("promotion")
    field_names = sd.API_FIELD_NAMES
    lookup_field = "goods_no"
    lookup_url_kwarg = "goodsNo"


class EsmSellerDiscountListCreateView(EsmSellerDiscountView, generics.ListAPIView):
    serializer_class = s.SellerDiscountOut
    filterset_class = EsmSellerDiscountFilter

    @extend_schema(
        request=s.SellerDiscountIn,
        responses={201: s.SellerDiscountOut},
        summary="Create one goods' seller discount (checked, the 70 % rule on ESM's price; "
        "not yet sent)",
    )
    def post(self, request):
        data = s.SellerDiscountIn(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            discount = sd.esm_seller_discount_create(
                user=request.user,
                goods_no=data.validated_data["goodsNo"],
                **s.SellerDiscountIn.to_model_kwargs(data.validated_data),
            )
        except DjangoValidationError as exc:
            raise self.refused(exc) from None
        return Response(s.SellerDiscountOut(discount).data, status=status.HTTP_201_CREATED)


class EsmSellerDiscountDetailView(EsmSellerDiscountView, generics.RetrieveAPIView):
    serializer_class = s.SellerDiscountOut

    @extend_schema(
        request=s.SellerDiscountUpdateIn,
        responses={200: s.SellerDiscountOut},
        summary="Change the seller discount (checked, not yet sent)",
    )
    def put(self, request, goodsNo):
        discount = self.get_object()
        data = s.SellerDiscountUpdateIn(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            discount = sd.esm_seller_discount_update(
                discount=discount,
                user=request.user,
                **s.SellerDiscountUpdateIn.to_model_kwargs(data.validated_data),
            )
        except DjangoValidationError as exc:
            raise self.refused(exc) from None
        return Response(s.SellerDiscountOut(discount).data)


class EsmSellerDiscountActionView(EsmSellerDiscountView, JobActionView):
    required_perms = {"post": ["marketplaces.change_esmsellerdiscount"]}
    service_key = "discount"


@extend_schema(request=None, responses=_202, summary="Register or modify on ESM (POST)")
class EsmSellerDiscountPushView(EsmSellerDiscountActionView):
    service = sd.esm_seller_discount_push


@extend_schema(request=None, responses=_202, summary="Release on ESM (DELETE)")
class EsmSellerDiscountReleaseView(EsmSellerDiscountActionView):
    service = sd.esm_seller_discount_release


@extend_schema(
    request=None,
    responses=_202,
    summary="Compare with ESM (GET): keep ESM's body, the differences in the job's result",
)
class EsmSellerDiscountPullView(EsmSellerDiscountActionView):
    service = sd.esm_seller_discount_pull


@extend_schema(
    request=None, responses=_202, summary="Read from ESM (GET): ESM's values become ours"
)
class EsmSellerDiscountReadView(EsmSellerDiscountActionView):
    service = sd.esm_seller_discount_read


@extend_schema(
    request=s.SellerDiscountBulkPushIn,
    responses=_202,
    summary="Send many goods' seller discounts to ESM as ONE job (per-goods outcomes)",
)
class EsmSellerDiscountBulkPushView(EsmSellerDiscountView):
    serializer_class = JobOut
    required_perms = {"post": ["marketplaces.change_esmsellerdiscount"]}
    pagination_class = None

    def post(self, request):
        data = s.SellerDiscountBulkPushIn(data=request.data)
        data.is_valid(raise_exception=True)
        wanted = list(dict.fromkeys(data.validated_data["goodsNoList"]))
        rows = EsmSellerDiscount.objects.in_bulk(wanted, field_name="goods_no")
        missing = [g for g in wanted if g not in rows]
        if missing:
            raise exceptions.ValidationError(
                {
                    "goodsNoList": [
                        gettext("등록되지 않은 상품번호 %(n)s개: %(values)s")
                        % {"n": len(missing), "values": ", ".join(missing[:20])}
                    ]
                }
            )
        try:
            job = sd.esm_seller_discounts_push_bulk(
                discounts=[rows[g] for g in wanted], user=request.user
            )
        except DjangoValidationError as exc:
            raise self.refused(exc) from None
        return self.accepted(job)
