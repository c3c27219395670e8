"""Admin REST API for Coupang coupons (`coupang/coupons/`): DRF generic views, one class per
operation. Pushes answer 202 with the sync job to follow (`sync-jobs/{id}/`)."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.response import Response

from backoffice.jobs.models import Job
from marketplaces.api.views import JOB_ACCEPTED, JobActionView, MarketplaceView
from marketplaces.coupang import services
from marketplaces.coupang.models import CoupangCoupon, CoupangCouponItem

from . import serializers as s


class CoupangCouponFilter(filters.FilterSet):
    localStatus = filters.ChoiceFilter(
        field_name="local_status", choices=CoupangCoupon.LocalStatus.choices
    )
    couponStatus = filters.ChoiceFilter(
        field_name="remote_status", choices=CoupangCoupon.RemoteStatus.choices
    )
    couponId = filters.NumberFilter(field_name="coupon_id")


class CoupangCouponMixin:
    field_names = services.API_FIELD_NAMES

    def get_queryset(self):
        return CoupangCoupon.objects.select_related("promotion", "replaced_by").prefetch_related(
            "policies", Prefetch("items", queryset=CoupangCouponItem.objects.order_by("id"))
        )


class CoupangCouponListCreateView(CoupangCouponMixin, MarketplaceView, generics.ListAPIView):
    serializer_class = s.CoupangCouponOut
    filterset_class = CoupangCouponFilter
    queryset = CoupangCoupon.objects.all()

    @extend_schema(
        request=s.CoupangCouponIn,
        responses={201: s.CoupangCouponOut},
        summary="Create a Coupang downloadable coupon (DRAFT; push it to send)",
    )
    def post(self, request):
        data = s.CoupangCouponIn(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        try:
            coupon = services.coupang_coupon_create(
                user=request.user,
                title=v["title"],
                contract_id=v["contractId"],
                start_at=v["startDate"],
                end_at=v["endDate"],
                wing_user_id=v["userId"],
                promotion=v["promoNo"],
                vendor_item_ids=v["vendorItemIds"],
                policies=[s.CoupangPolicyIn().to_model_kwargs(p) for p in v["policies"]],
            )
        except DjangoValidationError as exc:
            raise self.refused(exc) from None
        return Response(
            s.CoupangCouponOut(self.get_queryset().get(pk=coupon.pk)).data,
            status=status.HTTP_201_CREATED,
        )


class CoupangCouponDetailView(CoupangCouponMixin, MarketplaceView, generics.RetrieveAPIView):
    serializer_class = s.CoupangCouponOut
    queryset = CoupangCoupon.objects.all()


class CoupangCouponActionView(CoupangCouponMixin, JobActionView):
    queryset = CoupangCoupon.objects.all()
    required_perms = {"post": ["marketplaces.change_coupangcoupon"]}
    service_key = "coupon"


_202 = JOB_ACCEPTED


@extend_schema(
    request=None, responses=_202, summary="Create on Coupang (create, items, poll, read)"
)
class CoupangCouponPushView(CoupangCouponActionView):
    service = services.coupang_coupon_push


@extend_schema(request=None, responses=_202, summary="Expire on Coupang")
class CoupangCouponExpireView(CoupangCouponActionView):
    service = services.coupang_coupon_expire


@extend_schema(request=None, responses=_202, summary="Refresh from Coupang")
class CoupangCouponRefreshView(CoupangCouponActionView):
    service = services.coupang_coupon_refresh


@extend_schema(
    request=s.ReplaceItemsIn,
    responses=_202,
    summary="Replace items: expire this coupon, create a new one with the new items",
)
class CoupangCouponReplaceItemsView(CoupangCouponActionView):
    input_serializer = s.ReplaceItemsIn

    def start(self, coupon, data):
        new = services.coupang_coupon_replace_items(
            coupon=coupon,
            vendor_item_ids=data["vendorItemIds"],
            user=self.request.user,
            start_at=data["startDate"],
        )
        return Job.objects.filter(
            target_type=services.TARGET_COUPANG_COUPON, target_id=str(new.pk)
        ).latest("id")


@extend_schema(
    request=s.AdoptIn,
    responses=_202,
    summary="Reconcile a lost create: link the couponId found in WING",
)
class CoupangCouponAdoptView(CoupangCouponActionView):
    input_serializer = s.AdoptIn

    def start(self, coupon, data):
        return services.coupang_coupon_adopt(
            coupon=coupon, coupon_id=data["couponId"], user=self.request.user
        )


@extend_schema(
    request=s.ResendCreateIn,
    responses=_202,
    summary="Reconcile a lost create: nothing was created in WING, send it again",
    description=(
        "Only for a coupon held for confirmation (localStatus NEEDS_RECONCILE). Resending may "
        "create a second coupon on Coupang, since the first create may have succeeded: check "
        "WING first, then confirm by naming this coupon in `confirm` (its title or id). A "
        "missing or other confirmation is a 400 with `fields.confirm`, and nothing is sent."
    ),
)
class CoupangCouponResendCreateView(CoupangCouponActionView):
    input_serializer = s.ResendCreateIn

    def start(self, coupon, data):
        return services.coupang_coupon_resend_create(
            coupon=coupon, user=self.request.user, confirm=data["confirm"]
        )
