"""Builders for the use / restore tests: an order system user with its DRF token, catalog goods,
approved promotions and issued copies, all through the real services."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from coupons import codes
from coupons.issuing import coupon_issue
from coupons.models import Goods, Member
from coupons.roles import ORDER_SYSTEM, role_group
from tests.coupons.issuing_factories import approved_promotion

USE_URL = "/v1/marketing/cpnUse"
RESTORE_URL = "/v1/marketing/cpnRestore"


def order_system_user(username: str = "order-system"):
    User = get_user_model()
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User.objects.create_user(username=username, password="pw-" + username)
        user.groups.add(role_group(ORDER_SYSTEM))
    return user


def token_client(user) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def goods(goods_no: str, price: int = 10_000, **kw) -> Goods:
    return Goods.objects.get_or_create(
        goods_no=goods_no,
        defaults={
            "goods_nm": f"상품 {goods_no}",
            "sale_price": price,
            "entr_no": kw.get("entr_no", "E1"),
            "disp_ctg_no": "100",
            "brand_no": kw.get("brand_no", "B1"),
            "site_no": "1",
        },
    )[0]


def member(mbr_no: str) -> Member:
    return Member.objects.get_or_create(
        mbr_no=mbr_no, defaults={"grade_cd": codes.Grade.GOLD, "site_no": "1"}
    )[0]


def goods_promotion(**overrides):
    """A goods coupon (11): 1,000 KRW off each unit from 10,000 KRW, mall 100 %."""
    return approved_promotion(**{"mbr_issu_lmt_qty": 5, **overrides})


def cart_promotion(**overrides):
    """A cart coupon (12): 3,000 KRW off from 20,000 KRW, mall 60 % / vendor 40 %."""
    return approved_promotion(
        **{
            "promo_typ_cd": codes.PromoType.CART,
            "dc_rate_amt": 3000,
            "min_buy_amt": 20000,
            "our_chrg_rate": 60,
            "entr_chrg_rate": 40,
            "mbr_issu_lmt_qty": 5,
            **overrides,
        }
    )


def give(mbr: Member, promotion, qty: int = 1):
    return coupon_issue(member=mbr, promotion=promotion, qty=qty, channel=codes.Channel.DOWNLOAD)


def use_body(ord_no: str, mbr: Member, uses: list[dict], lines: list[dict] | None = None) -> dict:
    return {
        "ordNo": ord_no,
        "mbrNo": mbr.mbr_no,
        "ordMediaCd": codes.OrdMedia.PC,
        "siteNo": "1",
        "goodsList": lines
        or [
            {"ordGoodsSeq": 1, "goodsNo": "G1", "cnt": 2, "salePrc": 15000},
            {"ordGoodsSeq": 2, "goodsNo": "G2", "cnt": 1, "salePrc": 20000},
        ],
        "useList": uses,
    }


def use_kwargs(ord_no: str, mbr: Member, uses: list[dict], lines: list[dict] | None = None):
    """`coupons_use` arguments for the same order as `use_body`."""
    lines = lines or [
        {"ord_goods_seq": 1, "goods_no": "G1", "cnt": 2, "sale_prc": 15000},
        {"ord_goods_seq": 2, "goods_no": "G2", "cnt": 1, "sale_prc": 20000},
    ]
    return {
        "ord_no": ord_no,
        "mbr_no": mbr.mbr_no,
        "ord_media_cd": codes.OrdMedia.PC,
        "site_no": "1",
        "goods_list": lines,
        "dlv_grp_list": [],
        "use_list": uses,
    }
