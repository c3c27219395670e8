"""Admin REST API for Coupang coupons and sync jobs: DRF generic views, one class per operation.

Pushes answer 202 with the sync job to follow (`sync-jobs/{id}/`)."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, generics, status
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response

from backoffice.permissions import ModelPermissions
from marketplaces import services
from marketplaces.models import CoupangCoupon, CoupangCouponItem, HttpExchange, SyncJob

from . import serializers as s


class KeysetPagination(CursorPagination):
    """Keyset paging, newest first: `rowsPerPage` 1–100, `cursor` from `next`."""

    page_size = 50
    page_size_query_param = "rowsPerPage"
    max_page_size = 100
    ordering = "-id"


def api_errors(exc: DjangoValidationError) -> exceptions.ValidationError:
    """A service's field errors under the API's field names."""
    if not hasattr(exc, "error_dict"):
        return exceptions.ValidationError({"non_field_errors": exc.messages})
    names = services.API_FIELD_NAMES
    return exceptions.ValidationError(
        {names.get(field, field): messages for field, messages in exc.message_dict.items()}
    )


class MarketplaceView(generics.GenericAPIView):
    permission_classes = [ModelPermissions]
    pagination_class = KeysetPagination


# --- Coupang coupons ---------------------------------------------------------------------------
class CoupangCouponFilter(filters.FilterSet):
    localStatus = filters.ChoiceFilter(
        field_name="local_status", choices=CoupangCoupon.LocalStatus.choices
    )
    couponStatus = filters.ChoiceFilter(
        field_name="remote_status", choices=CoupangCoupon.RemoteStatus.choices
    )
    couponId = filters.NumberFilter(field_name="coupon_id")


class CoupangCouponMixin:
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
            raise api_errors(exc) from None
        return Response(
            s.CoupangCouponOut(self.get_queryset().get(pk=coupon.pk)).data,
            status=status.HTTP_201_CREATED,
        )


class CoupangCouponDetailView(CoupangCouponMixin, MarketplaceView, generics.RetrieveAPIView):
    serializer_class = s.CoupangCouponOut
    queryset = CoupangCoupon.objects.all()


class CoupangCouponActionView(CoupangCouponMixin, MarketplaceView):
    """POST → 202 with the sync job."""

    queryset = CoupangCoupon.objects.all()
    serializer_class = s.SyncJobOut
    required_perms = {"post": ["marketplaces.change_coupangcoupon"]}
    pagination_class = None
    input_serializer = None

    def start(self, coupon, data) -> SyncJob:
        raise NotImplementedError

    def post(self, request, pk):
        coupon = self.get_object()
        data = None
        if self.input_serializer:
            parsed = self.input_serializer(data=request.data)
            parsed.is_valid(raise_exception=True)
            data = parsed.validated_data
        try:
            job = self.start(coupon, data)
        except DjangoValidationError as exc:
            raise api_errors(exc) from None
        job.refresh_from_db()
        return Response(s.SyncJobOut(job).data, status=status.HTTP_202_ACCEPTED)


_202 = {202: OpenApiResponse(s.SyncJobOut, description="the sync job to follow")}


@extend_schema(
    request=None, responses=_202, summary="Create on Coupang (create, items, poll, read)"
)
class CoupangCouponPushView(CoupangCouponActionView):
    def start(self, coupon, data):
        return services.coupang_coupon_push(coupon=coupon, user=self.request.user)


@extend_schema(request=None, responses=_202, summary="Expire on Coupang")
class CoupangCouponExpireView(CoupangCouponActionView):
    def start(self, coupon, data):
        return services.coupang_coupon_expire(coupon=coupon, user=self.request.user)


@extend_schema(request=None, responses=_202, summary="Refresh from Coupang")
class CoupangCouponRefreshView(CoupangCouponActionView):
    def start(self, coupon, data):
        return services.coupang_coupon_refresh(coupon=coupon, user=self.request.user)


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
        return SyncJob.objects.filter(
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
    request=None,
    responses=_202,
    summary="Reconcile a lost create: nothing was created in WING, send it again",
)
class CoupangCouponResendCreateView(CoupangCouponActionView):
    def start(self, coupon, data):
        return services.coupang_coupon_resend_create(coupon=coupon, user=self.request.user)


# --- sync jobs ---------------------------------------------------------------------------------
class SyncJobFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=SyncJob.Status.choices)
    targetType = filters.CharFilter(field_name="target_type")
    targetId = filters.CharFilter(field_name="target_id")
    operation = filters.CharFilter()


class SyncJobListView(MarketplaceView, generics.ListAPIView):
    queryset = SyncJob.objects.select_related("created_by")
    serializer_class = s.SyncJobOut
    filterset_class = SyncJobFilter


class SyncJobDetailView(MarketplaceView, generics.RetrieveAPIView):
    queryset = SyncJob.objects.select_related("created_by").prefetch_related(
        Prefetch("exchanges", queryset=HttpExchange.objects.order_by("id"))
    )
    serializer_class = s.SyncJobDetailOut
