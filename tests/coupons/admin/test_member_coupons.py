"""The member-coupon admin (read-only, exact indexed search, no full count, revoke with a reason, a member's
history) and the CS compensation page, through the real admin views."""

import re

import pytest
from django.contrib.admin.models import LogEntry
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from coupons import codes
from coupons.issuing import coupon_issue
from coupons.models import CompensationRun, MemberCoupon, Promotion
from tests.coupons.issuing_factories import approved_promotion, cs_promotion, member, staff

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:coupons_membercoupon_changelist"


@pytest.fixture
def cs(client):
    user = staff("cs", "CS agent")
    client.force_login(user)
    return user


@pytest.fixture
def data():
    for n in ("100", "200", "300"):
        member(n)
    download = approved_promotion(mbr_issu_lmt_qty=50)
    comp = cs_promotion(mbr_issu_lmt_qty=50)
    for n in ("100", "200", "300"):
        coupon_issue(member=n, promotion=download, channel=codes.Channel.DOWNLOAD)
    coupon_issue(
        member="100",
        promotion=comp,
        channel=codes.Channel.CS,
        reason_cd="03",
        user=staff("cs0", "CS agent"),
    )
    return download, comp


def listed_ids(response) -> list[int]:
    return [
        int(x)
        for x in re.findall(r'name="_selected_action" value="(\d+)"', response.content.decode())
    ]


def test_search_is_exact_by_member_and_promo_no(client, cs, data):
    download, comp = data
    url = reverse(CHANGELIST)
    by_member = client.get(url, {"q": "100"})
    assert by_member.status_code == 200
    assert sorted(listed_ids(by_member)) == sorted(
        MemberCoupon.objects.filter(member_id="100").values_list("pk", flat=True)
    )
    assert listed_ids(client.get(url, {"q": "10"})) == [], "no partial (icontains) match"
    by_promo = client.get(url, {"q": comp.promo_no.lower()})
    assert listed_ids(by_promo) == list(
        MemberCoupon.objects.filter(promotion=comp).values_list("pk", flat=True)
    )
    both = client.get(url, {"q": f"200 {download.promo_no}"})
    assert listed_ids(both) == [MemberCoupon.objects.get(member_id="200").pk]
    filtered = client.get(url, {"channel__exact": "CS", "cs_cpn_pay_caus_cd__exact": "03"})
    assert listed_ids(filtered) == [MemberCoupon.objects.get(promotion=comp).pk]
    body = filtered.content.decode()
    assert "상품 오배송" in body and "cs0" in body


def test_changelist_queries_do_not_grow_with_rows_and_never_count_the_table(client, cs, data):
    download, _ = data
    url = reverse(CHANGELIST)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for i in range(20):
        member(f"9{i:02d}")
        coupon_issue(member=f"9{i:02d}", promotion=download, channel=codes.Channel.DOWNLOAD)
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert len(listed_ids(response)) == 24
    assert len(many) == len(few)
    counts = [q["sql"] for q in many if "COUNT(" in q["sql"].upper()]
    assert counts and all("LIMIT" in sql.upper() for sql in counts), counts


def test_read_only_for_everyone(client, cs, data):
    coupon = MemberCoupon.objects.first()
    assert client.get(reverse("admin:coupons_membercoupon_add")).status_code == 403
    page = client.get(reverse("admin:coupons_membercoupon_change", args=[coupon.pk]))
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert (
        "회원 쿠폰 이력" in page.content.decode() and "?ids=%d" % coupon.pk in page.content.decode()
    )
    before = MemberCoupon.objects.get(pk=coupon.pk).status
    client.post(reverse("admin:coupons_membercoupon_change", args=[coupon.pk]), {"status": "USED"})
    assert MemberCoupon.objects.get(pk=coupon.pk).status == before
    assert (
        client.post(reverse("admin:coupons_membercoupon_delete", args=[coupon.pk])).status_code
        == 403
    )
    assert MemberCoupon.objects.filter(pk=coupon.pk).exists()


def test_revoke_action_asks_a_reason_then_shows_in_the_member_history(client, cs, data):
    download, _ = data
    coupon = MemberCoupon.objects.get(member_id="200", promotion=download)
    response = client.post(
        reverse(CHANGELIST), {"action": "revoke_selected", "_selected_action": [coupon.pk]}
    )
    assert response.status_code == 302 and "revoke/?ids=" in response["Location"]
    page = client.get(response["Location"])
    assert "회수 사유" in page.content.decode()
    # No reason: the form refuses and nothing changes.
    refused = client.post(
        reverse("admin:coupons_membercoupon_revoke"), {"ids": str(coupon.pk), "reason": ""}
    )
    assert refused.status_code == 200
    assert MemberCoupon.objects.get(pk=coupon.pk).status == "ISSUED"

    done = client.post(
        reverse("admin:coupons_membercoupon_revoke"),
        {"ids": str(coupon.pk), "reason": "중복 발급"},
        follow=True,
    )
    assert "1장을 회수했습니다." in done.content.decode()
    stored = MemberCoupon.objects.get(pk=coupon.pk)
    assert (stored.status, stored.revoked_by, stored.revoke_reason) == ("REVOKED", cs, "중복 발급")
    assert Promotion.objects.get(pk=download.pk).issu_qty == 2
    log = LogEntry.objects.get(object_id=str(coupon.pk))
    assert (log.user, log.get_change_message()) == (cs, "회수: 중복 발급")

    history = client.get(
        reverse("admin:coupons_membercoupon_member_history", args=["200"])
    ).content.decode()
    revoke_row = re.search(r'<tr class="history-revoke">(.*?)</tr>', history, re.S).group(1)
    assert "회수" in revoke_row and "cs" in revoke_row and "중복 발급" in revoke_row
    assert history.count('class="history-issue"') == 1

    # The copy is available again: the member may download it once more.
    again = coupon_issue(member="200", promotion=download, channel=codes.Channel.DOWNLOAD)
    assert len(again) == 1


def test_merchandiser_cannot_revoke_or_compensate(client, data):
    client.force_login(staff("md-x", "Merchandiser"))
    listing = client.get(reverse(CHANGELIST))
    assert listing.status_code == 200 and "revoke_selected" not in listing.content.decode()
    coupon = MemberCoupon.objects.first()
    assert (
        client.post(
            reverse("admin:coupons_membercoupon_revoke"), {"ids": str(coupon.pk), "reason": "x"}
        ).status_code
        == 403
    )
    assert client.get(reverse("admin:coupons_membercoupon_compensation")).status_code == 403
    assert MemberCoupon.objects.get(pk=coupon.pk).status == "ISSUED"


def test_compensation_page_preview_confirm_and_double_submit(client, cs, data):
    _, comp = data
    url = reverse("admin:coupons_membercoupon_compensation")
    form = {
        "stage": "preview",
        "mbr_nos": "200\nghost\n300",
        "promotion": comp.pk,
        "cs_cpn_pay_caus_cd": "02",
        "memo": "지연 보상",
        "ord_no": "ORD-7",
    }
    preview = client.post(url, form)
    body = preview.content.decode()
    assert preview.status_code == 200
    assert re.search(r'data-mbr-no="ghost">.*?UNKNOWN_MEMBER', body, re.S)
    assert "발급 가능 2명, 문제 1명" in body
    assert MemberCoupon.objects.filter(promotion=comp).count() == 1, "a preview issues nothing"
    key = re.search(r'name="submission_key" value="([0-9a-f]+)"', body).group(1)

    confirm = {**form, "stage": "issue", "submission_key": key, "mbr_nos": "200\nghost\n300"}
    done = client.post(url, confirm)
    run = CompensationRun.objects.get()
    assert done.status_code == 302 and done["Location"] == reverse(
        "admin:coupons_membercoupon_compensation_run", args=[run.pk]
    )
    assert (run.status, run.issued, run.refused, run.created_by) == ("DONE", 2, 1, cs)
    twice = client.post(url, confirm, follow=True)
    assert "이미 접수된 요청입니다" in twice.content.decode()
    assert MemberCoupon.objects.filter(promotion=comp).count() == 3
    assert CompensationRun.objects.count() == 1

    page = client.get(done["Location"]).content.decode()
    assert "2/3" not in page and "3/3 (100%)" in page and "발급 2명 · 실패 1명" in page
    csv_response = client.get(reverse("admin:coupons_membercoupon_compensation_csv", args=[run.pk]))
    lines = b"".join(csv_response.streaming_content).decode("utf-8-sig").splitlines()
    assert csv_response["Content-Type"].startswith("text/csv")
    assert [line.split(",")[1:4] for line in lines[1:]] == [
        ["200", "ISSUED", "OK"],
        ["ghost", "REFUSED", "UNKNOWN_MEMBER"],
        ["300", "ISSUED", "OK"],
    ]


def test_compensation_page_same_key_with_other_members_is_a_form_error(client, cs, data):
    _, comp = data
    url = reverse("admin:coupons_membercoupon_compensation")
    form = {"mbr_nos": "200", "promotion": comp.pk, "cs_cpn_pay_caus_cd": "02", "memo": "m"}
    body = client.post(url, {**form, "stage": "preview"}).content.decode()
    key = re.search(r'name="submission_key" value="([0-9a-f]+)"', body).group(1)
    first = client.post(url, {**form, "stage": "issue", "submission_key": key})
    assert first.status_code == 302
    issued = MemberCoupon.objects.filter(promotion=comp).count()
    run = CompensationRun.objects.get()

    # The agent changes the member list and sends the confirmed form (the same key) again.
    other = client.post(url, {**form, "mbr_nos": "300", "stage": "issue", "submission_key": key})
    assert other.status_code == 200
    errors = other.context["form"].non_field_errors()
    assert errors == [
        f"이 제출키로 이미 다른 요청(회원 목록)이 접수되었습니다(실행 #{run.pk}). "
        "같은 키로 다른 요청을 보낼 수 없습니다. 미리보기부터 다시 진행하세요. "
        "(SUBMISSION_KEY_REUSED)"
    ]
    assert 'class="errornote"' in other.content.decode()
    assert MemberCoupon.objects.filter(promotion=comp).count() == issued
    assert not MemberCoupon.objects.filter(promotion=comp, member_id="300").exists()
    assert CompensationRun.objects.count() == 1


def test_compensation_page_refuses_missing_reason_and_non_cs_promotion(client, cs, data):
    download, comp = data
    url = reverse("admin:coupons_membercoupon_compensation")
    no_reason = client.post(
        url, {"stage": "preview", "mbr_nos": "200", "promotion": comp.pk, "cs_cpn_pay_caus_cd": ""}
    )
    assert no_reason.context["form"].errors["cs_cpn_pay_caus_cd"]
    wrong = client.post(
        url,
        {
            "stage": "preview",
            "mbr_nos": "200",
            "promotion": download.pk,
            "cs_cpn_pay_caus_cd": "01",
        },
    )
    assert "promotion" in wrong.context["form"].errors
    nothing = client.post(
        url, {"stage": "preview", "mbr_nos": " ", "promotion": comp.pk, "cs_cpn_pay_caus_cd": "01"}
    )
    assert nothing.context["form"].non_field_errors() == [
        "회원번호를 입력하거나 CSV 파일을 올리세요."
    ]
    assert MemberCoupon.objects.filter(promotion=comp).count() == 1
    assert CompensationRun.objects.count() == 0


def test_compensation_csv_upload(client, cs, data):
    from django.core.files.uploadedfile import SimpleUploadedFile

    _, comp = data
    upload = SimpleUploadedFile(
        "members.csv", "회원번호\n200\n300\n".encode("utf-8-sig"), content_type="text/csv"
    )
    preview = client.post(
        reverse("admin:coupons_membercoupon_compensation"),
        {"stage": "preview", "csv_file": upload, "promotion": comp.pk, "cs_cpn_pay_caus_cd": "01"},
    )
    assert "발급 가능 2명, 문제 0명" in preview.content.decode()


@pytest.mark.pg
@pytest.mark.django_db(transaction=True)
def test_changelist_at_100000_rows_estimates_and_searches_by_index(client):
    from coupons.issuing import auto_issue_run
    from tests.coupons.issuing_factories import auto_promotion, members_sql

    members_sql(100_000, first=400_000_000, birthday="1990-05-01")
    promotion = auto_promotion("2101")
    summary = auto_issue_run(
        type_cd="2101", round="R1", run_date=__import__("datetime").date(2026, 5, 1)
    )
    assert summary.issued_coupons == 100_000
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE coupons_membercoupon")
    client.force_login(staff("root", superuser=True))

    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse(CHANGELIST))
    assert page.status_code == 200 and len(listed_ids(page)) == 50
    sqls = [q["sql"] for q in queries]
    assert any("pg_class" in s for s in sqls), "the unfiltered list uses the planner's estimate"
    assert not [s for s in sqls if "COUNT(" in s.upper() and "LIMIT" not in s.upper()], (
        "no full COUNT"
    )

    searched = client.get(reverse(CHANGELIST), {"q": "400012345"})
    assert len(listed_ids(searched)) == 1
    by_promo = client.get(reverse(CHANGELIST), {"q": promotion.promo_no})
    assert len(listed_ids(by_promo)) == 50

    member_plan = (
        MemberCoupon.objects.filter(member_id="400012345").order_by("-cpn_isu_no")[:50].explain()
    )
    assert "mcpn_box_idx" in member_plan and "Seq Scan" not in member_plan, member_plan
    # Every row is this promotion's here, so walking the primary key backwards is the cheapest plan.
    promo_plan = (
        MemberCoupon.objects.filter(promotion=promotion).order_by("-cpn_isu_no")[:50].explain()
    )
    assert "Index" in promo_plan and "Seq Scan" not in promo_plan, promo_plan
