"""Shape only, for `esm/sponsorships/` and `esm/seller-discounts/`: the `gmarket` and `auction` blocks of MARKETPLACES.md
(camelCase as ESM names them) plus local and remote state. The rules are in `rules.py`, reached
through the services; the ranges here only keep values inside the database columns."""

from __future__ import annotations

from django.utils.translation import gettext
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from coupons.models import Promotion
from marketplaces.api.serializers import BIGINT_MAX, INT_MAX, SMALLINT_MAX, rule_validator
from marketplaces.esm import rules
from marketplaces.esm import seller_discounts as esm_seller_discounts
from marketplaces.esm import services as esm_services
from marketplaces.esm.models import EsmSellerDiscount, EsmSponsorship


class FieldNumber(serializers.IntegerField):
    """후원분야 1–6; ESM's 99 (how it reads 6 back) is accepted as 6."""

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        return 6 if value == 99 else value


class GmarketIn(serializers.Serializer):
    isUse = serializers.BooleanField()
    amount = serializers.IntegerField(
        min_value=0,
        max_value=INT_MAX,
        required=False,
        allow_null=True,
        help_text="후원금액(원): 100원 이상, 판매가의 80% 이하",
    )
    maxAmount = serializers.IntegerField(
        min_value=0,
        max_value=BIGINT_MAX,
        required=False,
        allow_null=True,
        help_text="누적적립한도액(원): 10,000원 이상",
    )
    field = FieldNumber(
        min_value=0,
        max_value=SMALLINT_MAX,
        required=False,
        allow_null=True,
        help_text="1 아동복지, 2 여성권익, 3 환경보호, 4 국제구호, 5 소비자권익, 6 기타 (99도 6)",
    )
    startDate = serializers.DateField(required=False, allow_null=True)
    endDate = serializers.DateField(required=False, allow_null=True)


class AuctionIn(serializers.Serializer):
    isUse = serializers.BooleanField()
    startDate = serializers.DateField(required=False, allow_null=True)
    endDate = serializers.DateField(required=False, allow_null=True)


class EsmSponsorshipUpdateIn(serializers.Serializer):
    gmarket = GmarketIn()
    auction = AuctionIn()

    @staticmethod
    def to_model_kwargs(data: dict) -> dict:
        g, a = data["gmarket"], data["auction"]
        return {
            "gmkt_is_use": g["isUse"],
            "gmkt_amount": g.get("amount"),
            "gmkt_max_amount": g.get("maxAmount"),
            "gmkt_field": g.get("field"),
            "gmkt_start_date": g.get("startDate"),
            "gmkt_end_date": g.get("endDate"),
            "iac_is_use": a["isUse"],
            "iac_start_date": a.get("startDate"),
            "iac_end_date": a.get("endDate"),
        }


class EsmSponsorshipIn(EsmSponsorshipUpdateIn):
    goodsNo = serializers.CharField(
        max_length=20,
        validators=[rule_validator(rules.goods_no_format)],
        help_text="ESM 마스터상품번호 (digits, not starting with 0)",
    )


class BulkPushIn(serializers.Serializer):
    goodsNoList = serializers.ListField(
        child=serializers.CharField(max_length=20),
        min_length=1,
        max_length=esm_services.BULK_MAX_GOODS,
    )


class GmarketOut(serializers.Serializer):
    isUse = serializers.BooleanField(source="gmkt_is_use")
    amount = serializers.IntegerField(source="gmkt_amount", allow_null=True)
    maxAmount = serializers.IntegerField(source="gmkt_max_amount", allow_null=True)
    field = serializers.IntegerField(source="gmkt_field", allow_null=True)
    startDate = serializers.DateField(source="gmkt_start_date", allow_null=True)
    endDate = serializers.DateField(source="gmkt_end_date", allow_null=True)


class AuctionOut(serializers.Serializer):
    isUse = serializers.BooleanField(source="iac_is_use")
    startDate = serializers.DateField(source="iac_start_date", allow_null=True)
    endDate = serializers.DateField(source="iac_end_date", allow_null=True)


class PriceOut(serializers.Serializer):
    gmkt = serializers.IntegerField(source="price_gmkt", allow_null=True)
    iac = serializers.IntegerField(source="price_iac", allow_null=True)
    readAt = serializers.DateTimeField(source="price_read_at", allow_null=True)
    amountCeiling = serializers.IntegerField(
        source="amount_ceiling",
        allow_null=True,
        help_text="80% of gmkt: the highest amount allowed",
    )


class DifferenceOut(serializers.Serializer):
    field = serializers.CharField()
    label = serializers.CharField()
    local = serializers.JSONField()
    remote = serializers.JSONField()


class RemoteOut(serializers.Serializer):
    state = serializers.CharField(source="remote_state")
    payload = serializers.JSONField(source="remote_payload")
    readAt = serializers.DateTimeField(source="remote_read_at", allow_null=True)
    differences = serializers.SerializerMethodField(help_text="local vs ESM's last read")
    pushedPayload = serializers.JSONField(source="pushed_payload")
    pushedAt = serializers.DateTimeField(source="pushed_at", allow_null=True)

    @extend_schema_field(DifferenceOut(many=True))
    def get_differences(self, obj):
        return esm_services.esm_sponsorship_differences(obj)


class EsmSponsorshipOut(serializers.ModelSerializer):
    goodsNo = serializers.CharField(source="goods_no")
    gmarket = GmarketOut(source="*")
    auction = AuctionOut(source="*")
    localState = serializers.CharField(source="local_state")
    remoteState = serializers.CharField(source="remote_state")
    price = PriceOut(source="*")
    remote = RemoteOut(source="*")
    lastError = serializers.CharField(source="last_error")
    createdAt = serializers.DateTimeField(source="created_at")
    updatedAt = serializers.DateTimeField(source="updated_at")

    class Meta:
        model = EsmSponsorship
        fields = [
            "goodsNo",
            "gmarket",
            "auction",
            "localState",
            "remoteState",
            "price",
            "remote",
            "lastError",
            "createdAt",
            "updatedAt",
        ]


# =================================================================================================
# Seller discounts (판매자할인): `esm/seller-discounts/`, the body of MARKETPLACES.md
# (`isUse`, `gmkt` / `iac` blocks with `type`, `priceOrRate1`, `priceOrRate2`, dates)
# =================================================================================================
class SiteDiscountIn(serializers.Serializer):
    type = serializers.IntegerField(
        min_value=0, max_value=SMALLINT_MAX, help_text="0 none, 1 fixed amount (KRW), 2 rate (%)"
    )
    priceOrRate1 = serializers.IntegerField(
        min_value=0,
        max_value=INT_MAX,
        required=False,
        allow_null=True,
        help_text="fixed: ≥ 100 KRW in 10 KRW steps, value 1 + value 2 ≤ 70 % of the site's "
        "price; rate: 1–70",
    )
    priceOrRate2 = serializers.IntegerField(
        min_value=0,
        max_value=INT_MAX,
        required=False,
        allow_null=True,
        help_text="optional second value of the same kind (counted with value 1 for the 70 % rule)",
    )
    startDate = serializers.DateField(required=False, allow_null=True)
    endDate = serializers.DateField(required=False, allow_null=True)


class SellerDiscountUpdateIn(serializers.Serializer):
    isUse = serializers.BooleanField()
    gmkt = SiteDiscountIn()
    iac = SiteDiscountIn()
    promoNo = serializers.CharField(
        max_length=8,
        required=False,
        allow_null=True,
        allow_blank=True,
        help_text="the mall promotion this discount mirrors (C + 7 digits), or null",
    )

    def validate_promoNo(self, value):
        if not value:
            return None
        promotion = Promotion.objects.filter(promo_no=value).first()
        if promotion is None:
            raise serializers.ValidationError(gettext("없는 프로모션번호: %s") % value)
        return promotion

    @staticmethod
    def to_model_kwargs(data: dict) -> dict:
        kwargs = {"is_use": data["isUse"]}
        for site in rules.SITES:
            block = data[site]
            kwargs.update(
                {
                    f"{site}_type": block["type"],
                    f"{site}_price_or_rate1": block.get("priceOrRate1"),
                    f"{site}_price_or_rate2": block.get("priceOrRate2"),
                    f"{site}_start_date": block.get("startDate"),
                    f"{site}_end_date": block.get("endDate"),
                }
            )
        if "promoNo" in data:
            kwargs["promotion"] = data["promoNo"]
        return kwargs


class SellerDiscountIn(SellerDiscountUpdateIn):
    goodsNo = serializers.CharField(
        max_length=20,
        validators=[rule_validator(rules.goods_no_format)],
        help_text="ESM 마스터상품번호 (digits, not starting with 0)",
    )


class SellerDiscountBulkPushIn(serializers.Serializer):
    goodsNoList = serializers.ListField(
        child=serializers.CharField(max_length=20),
        min_length=1,
        max_length=esm_seller_discounts.BULK_MAX_GOODS,
    )


def _site_out(site: str) -> type[serializers.Serializer]:
    fields = {
        "type": serializers.IntegerField(source=f"{site}_type"),
        "priceOrRate1": serializers.IntegerField(source=f"{site}_price_or_rate1", allow_null=True),
        "priceOrRate2": serializers.IntegerField(source=f"{site}_price_or_rate2", allow_null=True),
        "startDate": serializers.DateField(source=f"{site}_start_date", allow_null=True),
        "endDate": serializers.DateField(source=f"{site}_end_date", allow_null=True),
    }
    return type(f"SiteDiscountOut_{site}", (serializers.Serializer,), fields)


GmktDiscountOut = _site_out("gmkt")
IacDiscountOut = _site_out("iac")


class SellerDiscountPriceOut(serializers.Serializer):
    gmkt = serializers.IntegerField(source="price_gmkt", allow_null=True)
    iac = serializers.IntegerField(source="price_iac", allow_null=True)
    readAt = serializers.DateTimeField(source="price_read_at", allow_null=True)
    gmktCeiling = serializers.SerializerMethodField(help_text="70% of gmkt")
    iacCeiling = serializers.SerializerMethodField(help_text="70% of iac")

    def get_gmktCeiling(self, obj) -> int | None:
        return obj.ceiling_of("gmkt")

    def get_iacCeiling(self, obj) -> int | None:
        return obj.ceiling_of("iac")


class SellerDiscountRemoteOut(serializers.Serializer):
    state = serializers.CharField(source="remote_state")
    payload = serializers.JSONField(source="remote_payload")
    readAt = serializers.DateTimeField(source="remote_read_at", allow_null=True)
    differences = serializers.SerializerMethodField(help_text="local vs ESM's last read")
    pushedPayload = serializers.JSONField(source="pushed_payload")
    pushedAt = serializers.DateTimeField(source="pushed_at", allow_null=True)

    @extend_schema_field(DifferenceOut(many=True))
    def get_differences(self, obj):
        return esm_seller_discounts.esm_seller_discount_differences(obj)


class SellerDiscountOut(serializers.ModelSerializer):
    goodsNo = serializers.CharField(source="goods_no")
    isUse = serializers.BooleanField(source="is_use")
    gmkt = GmktDiscountOut(source="*")
    iac = IacDiscountOut(source="*")
    promoNo = serializers.CharField(source="promotion.promo_no", default=None, allow_null=True)
    localState = serializers.CharField(source="local_state")
    remoteState = serializers.CharField(source="remote_state")
    price = SellerDiscountPriceOut(source="*")
    remote = SellerDiscountRemoteOut(source="*")
    lastError = serializers.CharField(source="last_error")
    createdAt = serializers.DateTimeField(source="created_at")
    updatedAt = serializers.DateTimeField(source="updated_at")

    class Meta:
        model = EsmSellerDiscount
        fields = [
            "goodsNo",
            "isUse",
            "gmkt",
            "iac",
            "promoNo",
            "localState",
            "remoteState",
            "price",
            "remote",
            "lastError",
            "createdAt",
            "updatedAt",
        ]
