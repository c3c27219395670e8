"""Shape only, camelCase as MARKETPLACES.md names things; the rules are in `rules.py`, reached
through the services."""

from __future__ import annotations

from rest_framework import serializers

from coupons.models import Promotion
from marketplaces.api.serializers import BIGINT_MAX, INT_MAX
from marketplaces.coupang import rules
from marketplaces.coupang.models import (
    CoupangCoupon,
    CoupangCouponItem,
    CoupangCouponPolicy,
    CoupangInstantCoupon,
    CoupangInstantCouponItem,
    CoupangInstantFinding,
)


class CoupangPolicyIn(serializers.Serializer):
    title = serializers.CharField(max_length=100, allow_blank=True)
    typeOfDiscount = serializers.ChoiceField(choices=CoupangCouponPolicy.Discount.choices)
    description = serializers.CharField(
        max_length=200, allow_blank=True, required=False, default=""
    )
    minimumPrice = serializers.IntegerField(min_value=0, max_value=INT_MAX)
    discount = serializers.IntegerField(min_value=0, max_value=INT_MAX)
    maximumDiscountPrice = serializers.IntegerField(
        min_value=0, max_value=INT_MAX, required=False, allow_null=True, default=None
    )
    maximumPerDaily = serializers.IntegerField(min_value=0, max_value=INT_MAX)

    def to_model_kwargs(self, data: dict) -> dict:
        return {
            "title": data["title"],
            "type_of_discount": data["typeOfDiscount"],
            "description": data["description"],
            "minimum_price": data["minimumPrice"],
            "discount": data["discount"],
            "maximum_discount_price": data["maximumDiscountPrice"],
            "maximum_per_daily": data["maximumPerDaily"],
        }


class CoupangCouponIn(serializers.Serializer):
    title = serializers.CharField(max_length=100, allow_blank=True)
    contractId = serializers.IntegerField(
        min_value=1, max_value=BIGINT_MAX, required=False, allow_null=True, default=None
    )
    startDate = serializers.DateTimeField(
        help_text="ISO 8601 with offset (Coupang gets Korean time)"
    )
    endDate = serializers.DateTimeField()
    userId = serializers.CharField(
        max_length=50,
        required=False,
        allow_blank=True,
        default="",
        help_text="WING login id; default COUPANG_WING_USER_ID",
    )
    promoNo = serializers.SlugRelatedField(
        slug_field="promo_no",
        queryset=Promotion.objects.all(),
        required=False,
        allow_null=True,
        default=None,
    )
    policies = CoupangPolicyIn(many=True, allow_empty=True)
    vendorItemIds = serializers.ListField(
        child=serializers.IntegerField(max_value=BIGINT_MAX),  # > 0: rules.items_positive
        allow_empty=True,
        max_length=10000,
    )


class ReplaceItemsIn(serializers.Serializer):
    vendorItemIds = serializers.ListField(
        child=serializers.IntegerField(max_value=BIGINT_MAX),  # > 0: rules.items_positive
        allow_empty=True,
        max_length=10000,
    )
    startDate = serializers.DateTimeField(required=False, allow_null=True, default=None)


class AdoptIn(serializers.Serializer):
    couponId = serializers.IntegerField(min_value=1, max_value=BIGINT_MAX)


class ResendCreateIn(serializers.Serializer):
    confirm = serializers.CharField(
        max_length=200,
        allow_blank=True,  # a blank one is refused by the rule, in its words
        error_messages={"required": rules.RESEND_CONFIRM_MISSING},
        help_text=(
            "The coupon's title or id (e.g. `12` or `#12`), typed to confirm that WING shows no "
            "coupon from the first create. Resending may duplicate the coupon on Coupang: the "
            "first create, whose answer was lost, may have succeeded."
        ),
    )


class CoupangPolicyOut(serializers.ModelSerializer):
    typeOfDiscount = serializers.CharField(source="type_of_discount")
    minimumPrice = serializers.IntegerField(source="minimum_price")
    maximumDiscountPrice = serializers.IntegerField(
        source="maximum_discount_price", allow_null=True
    )
    maximumPerDaily = serializers.IntegerField(source="maximum_per_daily")
    manageCode = serializers.CharField(source="manage_code")

    class Meta:
        model = CoupangCouponPolicy
        fields = [
            "title",
            "typeOfDiscount",
            "description",
            "minimumPrice",
            "discount",
            "maximumDiscountPrice",
            "maximumPerDaily",
            "manageCode",
        ]


class CoupangItemOut(serializers.ModelSerializer):
    vendorItemId = serializers.IntegerField(source="vendor_item_id")
    requestTransactionId = serializers.CharField(source="transaction_id")
    failureReason = serializers.CharField(source="failure_reason")

    class Meta:
        model = CoupangCouponItem
        fields = ["vendorItemId", "status", "active", "requestTransactionId", "failureReason"]


class CoupangCouponOut(serializers.ModelSerializer):
    contractId = serializers.IntegerField(source="contract_id", allow_null=True)
    startDate = serializers.DateTimeField(source="start_at")
    endDate = serializers.DateTimeField(source="end_at")
    userId = serializers.CharField(source="wing_user_id")
    promoNo = serializers.CharField(source="promotion.promo_no", default=None, allow_null=True)
    policies = CoupangPolicyOut(many=True)
    vendorItemIds = serializers.SerializerMethodField()
    items = CoupangItemOut(many=True)
    localStatus = serializers.CharField(source="local_status")
    couponStatus = serializers.CharField(source="remote_status")
    couponId = serializers.IntegerField(source="coupon_id", allow_null=True)
    lastError = serializers.CharField(source="last_error")
    remotePayload = serializers.JSONField(source="remote_payload")
    remoteSyncedAt = serializers.DateTimeField(source="remote_synced_at", allow_null=True)
    replaces = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    replacedBy = serializers.SerializerMethodField()
    destroyedCouponIds = serializers.JSONField(source="destroyed_coupon_ids")
    createdAt = serializers.DateTimeField(source="created_at")
    updatedAt = serializers.DateTimeField(source="updated_at")

    class Meta:
        model = CoupangCoupon
        fields = [
            "id",
            "title",
            "contractId",
            "startDate",
            "endDate",
            "userId",
            "promoNo",
            "policies",
            "vendorItemIds",
            "items",
            "localStatus",
            "couponStatus",
            "couponId",
            "lastError",
            "remotePayload",
            "remoteSyncedAt",
            "replaces",
            "replacedBy",
            "destroyedCouponIds",
            "createdAt",
            "updatedAt",
        ]

    def get_vendorItemIds(self, obj) -> list[int]:
        return [i.vendor_item_id for i in obj.items.all() if i.active]

    def get_replacedBy(self, obj) -> int | None:
        new = getattr(obj, "replaced_by", None)
        return new.pk if new else None


# --- instant-discount coupons (즉시할인쿠폰) ---------------------------------------------------
# A coupon's options are sent 10,000 a call; one request may carry more (the job splits them).
INSTANT_ITEMS_MAX = 100_000


class InstantCouponIn(serializers.Serializer):
    # Lengths and values beyond the shape are the rules' (45 characters, types, amounts).
    name = serializers.CharField(max_length=200, allow_blank=True, help_text="≤ 45 characters")
    contractId = serializers.IntegerField(
        min_value=1, max_value=BIGINT_MAX, required=False, allow_null=True, default=None
    )
    type = serializers.CharField(max_length=30, help_text="RATE, PRICE or FIXED_WITH_QUANTITY")
    discount = serializers.IntegerField(
        min_value=0, max_value=INT_MAX, help_text="RATE: 1–99 (%); else KRW ≥ 10 in 10 KRW steps"
    )
    maxDiscountPrice = serializers.IntegerField(min_value=0, max_value=INT_MAX, help_text="≥ 10")
    startAt = serializers.DateTimeField(help_text="ISO 8601 with offset (Coupang gets Korean time)")
    endAt = serializers.DateTimeField()
    wowExclusive = serializers.BooleanField(required=False, default=False)
    promoNo = serializers.SlugRelatedField(
        slug_field="promo_no",
        queryset=Promotion.objects.all(),
        required=False,
        allow_null=True,
        default=None,
        help_text="the mall promotion this coupon mirrors",
    )
    vendorItemIds = serializers.ListField(
        child=serializers.IntegerField(max_value=BIGINT_MAX),  # > 0: rules.items_positive
        allow_empty=True,
        required=False,
        default=list,
        max_length=INSTANT_ITEMS_MAX,
    )


class InstantAddItemsIn(serializers.Serializer):
    vendorItemIds = serializers.ListField(
        child=serializers.IntegerField(max_value=BIGINT_MAX),
        allow_empty=True,
        max_length=INSTANT_ITEMS_MAX,
        help_text="sent 10,000 a call by the job",
    )


class InstantCouponOut(serializers.ModelSerializer):
    contractId = serializers.IntegerField(source="contract_id", allow_null=True)
    maxDiscountPrice = serializers.IntegerField(source="max_discount_price")
    startAt = serializers.DateTimeField(source="start_at")
    endAt = serializers.DateTimeField(source="end_at")
    wowExclusive = serializers.BooleanField(source="wow_exclusive")
    promoNo = serializers.CharField(source="promotion.promo_no", default=None, allow_null=True)
    localStatus = serializers.CharField(source="local_status")
    status = serializers.CharField(source="remote_status")
    couponId = serializers.IntegerField(source="coupon_id", allow_null=True)
    itemCounts = serializers.SerializerMethodField()
    lastError = serializers.CharField(source="last_error")
    remotePayload = serializers.JSONField(source="remote_payload")
    remoteSyncedAt = serializers.DateTimeField(source="remote_synced_at", allow_null=True)
    createRequestedId = serializers.CharField(source="create_requested_id")
    expireRequestedId = serializers.CharField(source="expire_requested_id")
    createdAt = serializers.DateTimeField(source="created_at")
    updatedAt = serializers.DateTimeField(source="updated_at")

    class Meta:
        model = CoupangInstantCoupon
        fields = [
            "id",
            "name",
            "contractId",
            "type",
            "discount",
            "maxDiscountPrice",
            "startAt",
            "endAt",
            "wowExclusive",
            "promoNo",
            "localStatus",
            "status",
            "couponId",
            "itemCounts",
            "lastError",
            "remotePayload",
            "remoteSyncedAt",
            "createRequestedId",
            "expireRequestedId",
            "createdAt",
            "updatedAt",
        ]

    def get_itemCounts(self, obj) -> dict[str, int]:
        """Options by state: PENDING, REQUESTED, DONE, FAILED."""
        counts = {s: 0 for s in CoupangInstantCouponItem.Status.values}
        for status in obj.items.values_list("status", flat=True):
            counts[status] += 1
        return counts


class InstantItemOut(serializers.ModelSerializer):
    vendorItemId = serializers.IntegerField(source="vendor_item_id")
    requestedId = serializers.CharField(source="requested_id")
    failureReason = serializers.CharField(source="failure_reason")

    class Meta:
        model = CoupangInstantCouponItem
        fields = ["id", "vendorItemId", "status", "requestedId", "failureReason"]


class InstantFindingOut(serializers.ModelSerializer):
    couponId = serializers.IntegerField(source="remote_coupon_id")
    coupon = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    status = serializers.CharField(source="remote_status")
    remotePayload = serializers.JSONField(source="remote_payload")
    foundAt = serializers.DateTimeField(source="found_at")

    class Meta:
        model = CoupangInstantFinding
        fields = [
            "id",
            "kind",
            "couponId",
            "coupon",
            "name",
            "status",
            "differences",
            "remotePayload",
            "foundAt",
        ]
