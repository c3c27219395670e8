"""Demo data and demo users for `make run`. Safe to run again: nothing is duplicated."""

import random
from datetime import date, timedelta

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from coupons import codes, pricing, reports
from coupons.catalog import exhibitions_upsert, goods_upsert, members_upsert
from coupons.issuing import coupon_issue
from coupons.models import CouponOrder, Member, Promotion
from coupons.roles import CS_AGENT, MERCHANDISER, ORDER_SYSTEM, role_group
from coupons.services import promotion_approve, promotion_create
from coupons.use import coupons_restore, coupons_use

DEMO_USERS = [
    # username, password, role (None = superuser), display
    ("admin", "admin1234!", None),
    ("md", "md1234!!", MERCHANDISER),
    ("md2", "md21234!", MERCHANDISER),
    ("cs", "cs1234!!", CS_AGENT),
    # the order system's integration user (cpnUse / cpnRestore with a DRF token; no admin)
    ("order", "order1234!", ORDER_SYSTEM),
]
GOODS_COUPON = "[데모] 전상품 3천원 다운로드 쿠폰"
CART_COUPON = "[데모] 장바구니 5천원 쿠폰 (VIP 이상)"


def _members():
    rng = random.Random(20260101)
    grades = codes.Grade.values
    for i in range(200):
        born = date(1960, 1, 1) + timedelta(days=rng.randrange(0, 365 * 45))
        yield {
            "mbrNo": f"{100000001 + i}",
            "gradeCd": grades[i % len(grades)],
            "birthday": born.isoformat(),
            "anniversary": (born + timedelta(days=365 * 28 + rng.randrange(0, 300))).isoformat()
            if i % 3 == 0
            else "",
            "joinedAt": (timezone.now() - timedelta(days=rng.randrange(0, 2000))).isoformat(),
            "siteNo": "1",
        }


def _goods():
    rng = random.Random(20260102)
    kinds = [
        "티셔츠",
        "운동화",
        "백팩",
        "머그컵",
        "블루투스 이어폰",
        "선크림",
        "원두커피",
        "수건 세트",
        "텀블러",
        "우산",
    ]
    for i in range(500):
        yield {
            "goodsNo": f"{2000001 + i}",
            "goodsNm": f"{kinds[i % len(kinds)]} {i + 1:03d}",
            "salePrice": rng.randrange(5, 300) * 100,
            "entrNo": f"E{100 + i % 20}",
            "dispCtgNo": f"{1000 + i % 25}",
            "brandNo": f"B{10 + i % 30}",
            "siteNo": "1",
        }


def _exhibitions():
    return [
        {
            "exhibitionNo": "EX001",
            "exhibitionNm": "겨울 시즌오프 기획전",
            "goodsNoList": [f"{2000001 + i}" for i in range(0, 60)],
        },
        {
            "exhibitionNo": "EX002",
            "exhibitionNm": "신규 브랜드 기획전",
            "goodsNoList": [f"{2000001 + i}" for i in range(100, 140)],
        },
        {
            "exhibitionNo": "EX003",
            "exhibitionNm": "생활용품 특가전",
            "goodsNoList": [f"{2000001 + i}" for i in range(300, 380)],
        },
    ]


def _promotions(now):
    start, end = now - timedelta(days=1), now + timedelta(days=60)
    fixed = {
        "vali_basis_cd": codes.ValidityBasis.FIXED,
        "vali_strt_dtm": start,
        "vali_end_dtm": end + timedelta(days=30),
    }
    days = {"vali_basis_cd": codes.ValidityBasis.DAYS, "vali_days": 30}
    base = {
        "promo_str_dtm": start,
        "promo_end_dtm": end,
        "ord_media_cds": codes.OrdMedia.values,
        "our_chrg_rate": 100,
        "entr_chrg_rate": 0,
    }

    def amount(v, min_buy):
        return {
            "fix_amt_fxrt_gb_cd": codes.DiscountKind.AMOUNT,
            "dc_rate_amt": v,
            "min_buy_amt": min_buy,
        }  # noqa: E731

    def rate(v, cap):
        return {
            "fix_amt_fxrt_gb_cd": codes.DiscountKind.RATE,
            "dc_rate_amt": v,
            "max_dc_amt": cap,
        }  # noqa: E731

    T = codes.PromoType
    Iss, W = codes.Issuer, codes.IssueMethod
    return [
        # name, fields, targets, approve?
        (
            "[데모] 전상품 3천원 다운로드 쿠폰",
            {
                **base,
                **fixed,
                **amount(3000, 30000),
                "promo_typ_cd": T.GOODS,
                "cpn_issu_main_cd": Iss.FIXED,
                "cpn_issu_way_cd": W.DOWNLOAD,
                "issu_lmt_qty": 1000,
                "mbr_issu_lmt_qty": 2,
                "budget_amt": 300_000,
            },
            [],
            True,
        ),
        (
            "[데모] 겨울 기획전 10% 쿠폰",
            {
                **base,
                **fixed,
                **rate(10, 20000),
                "promo_typ_cd": T.GOODS,
                "cpn_issu_main_cd": Iss.FIXED,
                "cpn_issu_way_cd": W.DOWNLOAD,
                "all_goods_yn": False,
                "our_chrg_rate": 60,
                "entr_chrg_rate": 40,
            },
            [{"aply_gb_cd": "01", "aply_typ_cd": "08", "tgt_no": "EX001"}],
            True,
        ),
        (
            "[데모] 장바구니 5천원 쿠폰 (VIP 이상)",
            {
                **base,
                **days,
                **amount(5000, 50000),
                "promo_typ_cd": T.CART,
                "cpn_issu_main_cd": Iss.FIXED,
                "cpn_issu_way_cd": W.DOWNLOAD,
                "grade_cds": [codes.Grade.VIP],
                "upr_grade_aply_yn": True,
            },
            [],
            True,
        ),
        (
            "[데모] 코드 WELCOME2026 중복할인 5%",
            {
                **base,
                **fixed,
                **rate(5, 10000),
                "promo_typ_cd": T.STACKABLE,
                "cpn_issu_main_cd": Iss.FIXED,
                "cpn_issu_way_cd": W.CODE,
                "dc_cpn_cd": "WELCOME2026",
            },
            [],
            True,
        ),
        (
            "[데모] 무료배송 쿠폰 (앱 전용)",
            {
                **base,
                **days,
                "promo_typ_cd": T.FREE_SHIPPING,
                "cpn_issu_main_cd": Iss.FIXED,
                "cpn_issu_way_cd": W.DOWNLOAD,
                "ord_media_cds": [codes.OrdMedia.ANDROID, codes.OrdMedia.IOS],
            },
            [],
            True,
        ),
        (
            "[데모] CS 보상 무료반품 쿠폰",
            {
                **base,
                **days,
                "promo_typ_cd": T.FREE_RETURN,
                "cpn_issu_main_cd": Iss.CS,
                "cpn_issu_way_cd": W.TARGETED,
            },
            [],
            True,
        ),
        (
            "[데모] CS 보상 5천원 쿠폰",
            {
                **base,
                **days,
                **amount(5000, 5000),
                "promo_typ_cd": T.GOODS,
                "cpn_issu_main_cd": Iss.CS,
                "cpn_issu_way_cd": W.TARGETED,
            },
            [],
            True,
        ),
        (
            "[데모] 생일 축하 15% 쿠폰",
            {
                **base,
                **days,
                **rate(15, 30000),
                "promo_typ_cd": T.GOODS,
                "cpn_issu_main_cd": Iss.AUTO,
                "cpn_issu_way_cd": W.AUTO,
                "auto_issu_typ_cd": "2101",
                "auto_issu_potm_cd": codes.AutoIssueTiming.BEFORE,
                "anvy_pre_isu_dds": 7,
                "auto_issu_qty": 1,
            },
            [],
            True,
        ),
        (
            "[데모] 회원가입 환영 2천원 쿠폰",
            {
                **base,
                **days,
                **amount(2000, 20000),
                "promo_typ_cd": T.CART,
                "cpn_issu_main_cd": Iss.AUTO,
                "cpn_issu_way_cd": W.AUTO,
                "auto_issu_typ_cd": "1001",
                "auto_issu_potm_cd": codes.AutoIssueTiming.ON_DAY,
                "auto_issu_qty": 2,
            },
            [],
            False,
        ),
        (
            "[데모] 협력사 E101 브랜드 제외 20% (작성중)",
            {
                **base,
                **fixed,
                **rate(20, 50000),
                "promo_typ_cd": T.GOODS,
                "cpn_issu_main_cd": Iss.FIXED,
                "cpn_issu_way_cd": W.TARGETED,
                "all_goods_yn": False,
                "our_chrg_rate": 30,
                "entr_chrg_rate": 70,
            },
            [
                {"aply_gb_cd": "01", "aply_typ_cd": "05", "tgt_no": "E101"},
                {"aply_gb_cd": "02", "aply_typ_cd": "06", "tgt_no": "B11"},
            ],
            False,
        ),
    ]


def _use(user, ord_no: str, member: Member, lines: list[dict], places: dict) -> None:
    """Use the copies of `places` ({cpn_isu_no: ord_goods_seq or None}) on a demo order at the
    amounts pricing computes for them (the order system would send the same)."""
    loaded = pricing.load_order(
        member=member, ord_media_cd="20", site_no="1", goods_list=lines, cpn_isu_nos=list(places)
    )
    check = pricing.check_use(
        loaded.order,
        loaded.copies,
        [pricing.Use(cpn_isu_no=no, dc_amt=0, ord_goods_seq=seq) for no, seq in places.items()],
    )
    amounts = {b.copy.cpn_isu_no: b.dc_amt for b in check.choice.benefits}
    coupons_use(
        ord_no=ord_no,
        mbr_no=member.mbr_no,
        ord_media_cd="20",
        site_no="1",
        goods_list=lines,
        dlv_grp_list=[],
        use_list=[
            {"cpn_isu_no": no, "ord_goods_seq": seq, "deli_no": None, "dc_amt": amounts[no]}
            for no, seq in places.items()
        ],
        user=user,
    )


def _demo_orders(user) -> int:
    """Three demo orders: one kept, one cancelled whole (its coupon back in the box), one with a
    line cancelled (the cart coupon stays used and its share on that line is clawed back)."""
    if CouponOrder.objects.filter(ord_no__startswith="DEMO-").exists():
        return 0
    goods = Promotion.objects.get(promo_nm=GOODS_COUPON)
    cart = Promotion.objects.get(promo_nm=CART_COUPON)
    vip = Member.objects.filter(grade_cd=codes.Grade.VIP).order_by("mbr_no")
    first, second = vip[0], vip[1]
    lines = [
        {"ord_goods_seq": 1, "goods_no": "2000001", "cnt": 1, "sale_prc": 35_000},
        {"ord_goods_seq": 2, "goods_no": "2000002", "cnt": 2, "sale_prc": 12_000},
    ]
    down = codes.Channel.DOWNLOAD
    a, b = coupon_issue(member=first, promotion=goods, qty=2, channel=down)
    (c,) = coupon_issue(member=first, promotion=cart, channel=down)
    _use(user, "DEMO-ORD-0001", first, lines, {a.pk: 1, c.pk: None})
    (d,) = coupon_issue(member=second, promotion=goods, channel=down)
    _use(user, "DEMO-ORD-0002", second, lines, {d.pk: 1})
    coupons_restore(ord_no="DEMO-ORD-0002", clm_no="DEMO-CLM-0002", user=user)
    (e,) = coupon_issue(member=second, promotion=cart, channel=down)
    _use(user, "DEMO-ORD-0003", second, lines, {e.pk: None})
    coupons_restore(ord_no="DEMO-ORD-0003", clm_no="DEMO-CLM-0003", ord_goods_seqs=[2], user=user)
    return 3


class Command(BaseCommand):
    help = "Load demo members, goods, exhibitions, promotions and users (idempotent)."

    def handle(self, *args, **options):
        User = get_user_model()
        users = {}
        for username, password, role in DEMO_USERS:
            user, created = User.objects.get_or_create(
                username=username, defaults={"is_staff": role != ORDER_SYSTEM}
            )
            if created:
                user.set_password(password)
                user.is_superuser = role is None
                user.save()
                if role:
                    user.groups.add(role_group(role))
            users[username] = (user, password, created)

        m, g, e = (
            members_upsert(_members()),
            goods_upsert(_goods()),
            exhibitions_upsert(_exhibitions()),
        )
        created = 0
        with transaction.atomic():
            for name, fields, targets, approve in _promotions(timezone.now()):
                if Promotion.objects.filter(promo_nm=name).exists():
                    continue
                promotion = promotion_create(
                    user=users["md"][0], data={"promo_nm": name, **fields}, targets=targets
                )
                if approve:
                    promotion_approve(user=users["admin"][0], promotion=promotion)
                created += 1
            orders = _demo_orders(users["order"][0])
            reports.report_rebuild()  # the report's figures for demo data older than its rollup
        self.stdout.write(
            f"demo data: members {m.created} new / {m.updated} kept, goods {g.created} new / {g.updated} kept, "
            f"exhibitions {e.created + e.updated}, promotions {created} new ({Promotion.objects.count()} in all), "
            f"orders with coupons {orders} new"
        )
        self.stdout.write("demo users (username / password / role):")
        for username, password, role in DEMO_USERS:
            _user, _pw, was_created = users[username]
            shown = (
                password
                if was_created or _user.check_password(password)
                else "(changed since, not shown)"
            )
            self.stdout.write(f"  {username:6} / {shown:12} / {role or 'superuser'}")
