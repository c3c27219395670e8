"""Builders for valid objects; tests override only what they are about."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from coupons import codes
from coupons.roles import role_group


def promotion_data(**overrides) -> dict:
    now = timezone.now()
    data = {
        "promo_nm": "테스트 쿠폰",
        "promo_typ_cd": codes.PromoType.GOODS,
        "cpn_issu_main_cd": codes.Issuer.FIXED,
        "cpn_issu_way_cd": codes.IssueMethod.DOWNLOAD,
        "fix_amt_fxrt_gb_cd": codes.DiscountKind.AMOUNT,
        "dc_rate_amt": 1000,
        "min_buy_amt": 10000,
        "our_chrg_rate": 100,
        "entr_chrg_rate": 0,
        "promo_str_dtm": now - timedelta(days=1),
        "promo_end_dtm": now + timedelta(days=30),
        "vali_basis_cd": codes.ValidityBasis.DAYS,
        "vali_days": 30,
        "ord_media_cds": [codes.OrdMedia.PC, codes.OrdMedia.MOBILE_WEB],
        "mbr_issu_lmt_qty": 1,
    }
    data.update(overrides)
    return data


def user(username: str, role: str | None = None, *, superuser=False):
    User = get_user_model()
    obj = User.objects.create_user(
        username=username, password="pw-" + username, is_staff=True, is_superuser=superuser
    )
    if role:
        obj.groups.add(role_group(role))
    return obj
