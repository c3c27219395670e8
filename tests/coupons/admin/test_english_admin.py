"""The English admin shows no Korean of ours (issue 15): the main pages rendered through the real
admin with the language cookie set to English, every Hangul character reported with its place,
the only Korean allowed being data the fixtures typed in Korean (none here: every name, memo and
reason of these fixtures is ASCII)."""

import re

import pytest
from django.urls import reverse

from coupons import codes
from coupons.compensation import compensation_issue
from coupons.issuing import coupon_issue
from coupons.models import CompensationItem, MemberCoupon
from tests.coupons.issuing_factories import approved_promotion, cs_promotion, member, staff

pytestmark = pytest.mark.django_db

HANGUL = re.compile(r"[\uac00-\ud7a3\u1100-\u11ff\u3130-\u318f]+")
# Korean that is a data value, not our words: the language switch names Korean in Korean.
ALLOWED = {"한국어"}


def korean_in(html: str) -> list[str]:
    """Each run of Hangul outside <script>/<style> with 30 characters of context around it."""
    text = re.sub(r"<(script|style)\b.*?</\1>", "", html, flags=re.S | re.I)
    found = []
    for m in HANGUL.finditer(text):
        if m.group(0) in ALLOWED:
            continue
        found.append(text[max(0, m.start() - 30) : m.end() + 30].replace("\n", " "))
    return found


@pytest.fixture
def english(client):
    client.force_login(staff("root", superuser=True))
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def data():
    member("100")
    member("200")
    download = approved_promotion(promo_nm="Winter download 3000", mbr_issu_lmt_qty=1)
    comp = cs_promotion(promo_nm="Late delivery 5000", mbr_issu_lmt_qty=1)
    (coupon,) = coupon_issue(member="100", promotion=download, channel=codes.Channel.DOWNLOAD)
    cs = staff("cs", "CS agent")
    # one issued, one refused (the member limit), one unknown member: stored outcome messages
    coupon_issue(member="200", promotion=comp, channel=codes.Channel.CS, reason_cd="02", user=cs)
    run = compensation_issue(
        user=cs,
        promotion=comp,
        mbr_nos=["100", "200", "999"],
        reason_cd="02",
        memo="sorry",
        ord_no="ORD-1",
        submission_key="k-english",
    )
    return {"download": download, "comp": comp, "coupon": coupon, "run": run}


def pages(data) -> dict[str, str]:
    return {
        "desk": reverse("admin:index"),
        "member coupons": reverse("admin:coupons_membercoupon_changelist"),
        "member coupons by date": reverse("admin:coupons_membercoupon_changelist")
        + "?issued_from=2026-13-01",
        "member coupon": reverse("admin:coupons_membercoupon_change", args=[data["coupon"].pk]),
        "member history": reverse("admin:coupons_membercoupon_member_history", args=["100"]),
        "compensation": reverse("admin:coupons_membercoupon_compensation"),
        "compensation run": reverse(
            "admin:coupons_membercoupon_compensation_run", args=[data["run"].pk]
        ),
        "compensation runs": reverse("admin:coupons_compensationrun_changelist"),
        "coupon uses": reverse("admin:coupons_couponuse_changelist"),
        "code tables": reverse("admin:coupons_commoncode_changelist"),
        "code tables MK008": reverse("admin:coupons_commoncode_changelist") + "?group=MK008",
        "promotions": reverse("admin:coupons_promotion_changelist"),
        "promotion": reverse("admin:coupons_promotion_change", args=[data["download"].pk]),
        "coupang coupons": reverse("admin:marketplaces_coupangcoupon_changelist"),
        "esm sponsorships": reverse("admin:marketplaces_esmsponsorship_changelist"),
        "coupang instant coupons": reverse("admin:marketplaces_coupanginstantcoupon_changelist"),
        "esm seller discounts": reverse("admin:marketplaces_esmsellerdiscount_changelist"),
        "promotion revisions": reverse("admin:coupons_promotionrevision_changelist"),
        "jobs": reverse("admin:jobs_job_changelist"),
        "cost report": reverse("admin:coupons_coupondailystat_changelist"),
    }


# The pages whose words this test holds now; the others are listed by the test below it.
OURS = (
    "member coupons",
    "member coupons by date",
    "member coupon",
    "member history",
    "compensation",
    "compensation run",
    "compensation runs",
    "coupon uses",
    "code tables",
    "code tables MK008",
)


@pytest.mark.parametrize("name", OURS)
def test_the_english_admin_shows_no_korean_of_ours(english, data, name):
    url = pages(data)[name]
    response = english.get(url)
    assert response.status_code == 200, url
    assert 'lang="en"' in response.content.decode()
    found = korean_in(response.content.decode())
    assert found == [], f"{name} ({url}) shows Korean in English:\n" + "\n".join(found)


@pytest.mark.parametrize(
    "name",
    [
        "desk",
        "promotions",
        "promotion",
        "coupang coupons",
        "esm sponsorships",
        "coupang instant coupons",
        "esm seller discounts",
        "promotion revisions",
        "jobs",
        "cost report",
    ],
)
def test_the_other_main_pages_show_no_korean_either(english, data, name):
    url = pages(data)[name]
    response = english.get(url)
    assert response.status_code == 200, url
    found = korean_in(response.content.decode())
    assert found == [], f"{name} ({url}) shows Korean in English:\n" + "\n".join(found)


def test_the_run_page_reads_stored_outcomes_in_english(english, data):
    items = {i.mbr_no: i for i in CompensationItem.objects.filter(run=data["run"])}
    assert items["200"].code == "MEMBER_LIMIT" and "회원당" in items["200"].message, (
        "stored in Korean, the catalog's language, although an English page may have started it"
    )
    body = english.get(
        reverse("admin:coupons_membercoupon_compensation_run", args=[data["run"].pk])
    ).content.decode()
    assert "The member limit has been reached." in body
    assert "Member does not exist." in body
    assert items["999"].code == "UNKNOWN_MEMBER"
    english.cookies["django_language"] = "ko"
    korean = english.get(
        reverse("admin:coupons_membercoupon_compensation_run", args=[data["run"].pk])
    ).content.decode()
    assert items["200"].message in korean, "in Korean, as stored, with its numbers"


def test_the_statuses_read_as_states_in_english(english, data):
    coupon = data["coupon"]
    MemberCoupon.objects.filter(pk=coupon.pk).update(status="REVOKED")
    body = english.get(reverse("admin:coupons_membercoupon_changelist")).content.decode()
    assert '<span class="badge badge-warn">Revoked</span>' in body
    page = english.get(reverse("admin:coupons_membercoupon_change", args=[coupon.pk]))
    assert ">Revoke<" not in page.content.decode()
