"""Admin REST API for Coupang coupons (`coupang/coupons/`): DRF generic views, one class per
operation. Pushes answer 202 with the sync job to follow (`sync-jobs/{id}/`)."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response

from backoffice.jobs.api import JobOut
from backoffice.jobs.models import Job
from marketplaces.api.views import JOB_ACCEPTED, JobActionView, MarketplaceView
from marketplaces.coupang import instant, services
from marketplaces.coupang.models import (
    CoupangCoupon,
    CoupangCouponItem,
    CoupangInstantCoupon,
    CoupangInstantCouponItem,
    CoupangInstantFinding,
)

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


# --- instant-discount coupons (즉시할인쿠폰) ---------------------------------------------------


class InstantCouponFilter(filters.FilterSet):
    localStatus = filters.ChoiceFilter(
        field_name="local_status", choices=CoupangInstantCoupon.LocalStatus.choices
    )
    status = filters.CharFilter(field_name="remote_status")
    couponId = filters.NumberFilter(field_name="coupon_id")
    promoNo = filters.CharFilter(field_name="promotion__promo_no")


class InstantCouponMixin:
    field_names = instant.API_FIELD_NAMES

    def get_queryset(self):
        return CoupangInstantCoupon.objects.select_related("promotion")


class InstantCouponListCreateView(InstantCouponMixin, MarketplaceView, generics.ListAPIView):
    serializer_class = s.InstantCouponOut
    filterset_class = InstantCouponFilter
    queryset = CoupangInstantCoupon.objects.all()

    @extend_schema(
        request=s.InstantCouponIn,
        responses={201: s.InstantCouponOut},
        summary="Create a Coupang instant-discount coupon (DRAFT; push it to send)",
    )
    def post(self, request):
        data = s.InstantCouponIn(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        try:
            coupon = instant.coupang_instant_create(
                user=request.user,
                name=v["name"],
                contract_id=v["contractId"],
                type=v["type"],
                discount=v["discount"],
                max_discount_price=v["maxDiscountPrice"],
                start_at=v["startAt"],
                end_at=v["endAt"],
                wow_exclusive=v["wowExclusive"],
                promotion=v["promoNo"],
                vendor_item_ids=v["vendorItemIds"],
            )
        except DjangoValidationError as exc:
            raise self.refused(exc) from None
        return Response(
            s.InstantCouponOut(self.get_queryset().get(pk=coupon.pk)).data,
            status=status.HTTP_201_CREATED,
        )


class InstantCouponDetailView(InstantCouponMixin, MarketplaceView, generics.RetrieveAPIView):
    serializer_class = s.InstantCouponOut
    queryset = CoupangInstantCoupon.objects.all()


class _ItemsPagination(CursorPagination):
    page_size = 100
    page_size_query_param = "rowsPerPage"
    max_page_size = 1000
    ordering = "id"


@extend_schema(summary="The options of an instant coupon, in the order added")
class InstantCouponItemsView(MarketplaceView, generics.ListAPIView):
    serializer_class = s.InstantItemOut
    pagination_class = _ItemsPagination
    queryset = CoupangInstantCouponItem.objects.all()

    def get_queryset(self):
        coupon = generics.get_object_or_404(CoupangInstantCoupon, pk=self.kwargs["pk"])
        return CoupangInstantCouponItem.objects.filter(coupon=coupon)


class InstantCouponActionView(InstantCouponMixin, JobActionView):
    queryset = CoupangInstantCoupon.objects.all()
    required_perms = {"post": ["marketplaces.change_coupanginstantcoupon"]}
    service_key = "coupon"


@extend_schema(
    request=None, responses=_202, summary="Create on Coupang (create, options, poll, read back)"
)
class InstantCouponPushView(InstantCouponActionView):
    service = instant.coupang_instant_push


@extend_schema(request=None, responses=_202, summary="Expire on Coupang")
class InstantCouponExpireView(InstantCouponActionView):
    service = instant.coupang_instant_expire


@extend_schema(
    request=None, responses=_202, summary="Check the requests in flight and read the coupon back"
)
class InstantCouponPollView(InstantCouponActionView):
    service = instant.coupang_instant_poll
    required_perms = {"post": ["marketplaces.view_coupanginstantcoupon"]}


@extend_schema(
    request=s.InstantAddItemsIn,
    responses={
        202: JOB_ACCEPTED[202],
        200: s.InstantCouponOut,
    },
    summary="Add options (202 with the job that sends them; 200 for a draft, sent by its push)",
)
class InstantCouponAddItemsView(InstantCouponActionView):
    input_serializer = s.InstantAddItemsIn

    def post(self, request, **kwargs):
        coupon = self.get_object()
        parsed = self.input_serializer(data=request.data)
        parsed.is_valid(raise_exception=True)
        try:
            job = instant.coupang_instant_add_items(
                coupon=coupon,
                vendor_item_ids=parsed.validated_data["vendorItemIds"],
                user=request.user,
            )
        except DjangoValidationError as exc:
            raise self.refused(exc) from None
        if job is None:
            return Response(s.InstantCouponOut(self.get_queryset().get(pk=coupon.pk)).data)
        return self.accepted(job)


@extend_schema(
    request=None,
    responses=_202,
    summary="Reconcile the vendor's instant coupons with these (every status, every page)",
    description=(
        "Queues one job that lists the vendor's instant coupons on Coupang by status, page after "
        "page, and replaces the findings (`instant-coupons/findings/`): coupons that exist on "
        "Coupang but not here (REMOTE_ONLY) and ours that differ (DIFFERS: name, type, discount, "
        "cap, period, wowExclusive, status). 409 SYNC_JOB_OPEN while one is open."
    ),
)
class InstantReconcileView(MarketplaceView):
    serializer_class = JobOut
    pagination_class = None
    queryset = CoupangInstantFinding.objects.all()
    required_perms = {"post": ["marketplaces.view_coupanginstantfinding"]}

    def post(self, request):
        return self.accepted(instant.coupang_instant_reconcile(user=request.user))


class InstantFindingFilter(filters.FilterSet):
    kind = filters.ChoiceFilter(choices=CoupangInstantFinding.Kind.choices)


@extend_schema(summary="What the last reconcile found (remote-only and differing coupons)")
class InstantFindingListView(MarketplaceView, generics.ListAPIView):
    serializer_class = s.InstantFindingOut
    filterset_class = InstantFindingFilter
    queryset = CoupangInstantFinding.objects.select_related("coupon")
