"""The admin index is the signed-in person's desk (SPEC §8): each panel's items exactly for a known
set-up, "waiting for my approval" meaning edited by someone else, the panels each role sees, links
that open where the item is acted on, and a query count that does not grow with the data."""

from __future__ import annotations

import re
import uuid
from datetime import date, timedelta
from html.parser import HTMLParser

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from backoffice.desk import PANELS, SECTION_ITEMS, desk_panels_for
from backoffice.jobs.models import Job
from coupons import codes, services
from coupons.compensation import compensation_issue
from coupons.issuing import coupon_issue
from coupons.models import CompensationRun, Promotion
from coupons.use import coupons_use
from marketplaces.coupang.models import CoupangCoupon
from marketplaces.esm.models import EsmSponsorship
from tests.coupons.issuing_factories import ensure_codes, member
from tests.coupons.use_factories import cart_promotion, give, goods, order_system_user, use_kwargs
from tests.factories import promotion_data, user

pytestmark = pytest.mark.django_db

INDEX = "/admin/"


# -- reading the page -----------------------------------------------------------------------------
class _Desk(HTMLParser):
    """The desk as the page shows it: {section id: {"count", "items": [(label, href, note)],
    "more": href or None, "empty": text or None}} and the panels' ids."""

    def __init__(self):
        super().__init__()
        self.panels: list[str] = []
        self.sections: dict[str, dict] = {}
        self._section = None
        self._item = None
        self._capture = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        classes = (attrs.get("class") or "").split()
        if tag == "section" and "desk-panel" in classes:
            self.panels.append(attrs["id"])
        elif tag == "div" and "desk-section" in classes:
            self._section = {
                "count": int(attrs["data-count"]),
                "items": [],
                "more": None,
                "empty": None,
            }
            self.sections[attrs["id"]] = self._section
        elif self._section is None:
            return
        elif tag == "li":
            self._item = {"label": "", "href": None, "note": "", "warn": "desk-warn" in classes}
            self._section["items"].append(self._item)
        elif tag == "a" and self._item is not None and self._item["href"] is None:
            self._item["href"] = attrs["href"]
            self._capture = "label"
        elif tag == "span" and "desk-note" in classes and self._item is not None:
            self._capture = "note"
        elif tag == "p" and "desk-empty" in classes:
            self._section["empty"] = ""
            self._capture = "empty"
        elif tag == "a" and self._item is None and self._section is not None:
            self._section["more"] = attrs["href"]

    def handle_endtag(self, tag):
        if tag in ("a", "span", "p"):
            self._capture = None
        if tag == "li":
            self._item = None
        if tag == "div" and self._section is not None and self._item is None:
            self._section = None

    def handle_data(self, data):
        if self._capture == "empty":
            self._section["empty"] += data.strip()
        elif self._capture:
            self._item[self._capture] += data.strip()


def desk(client) -> _Desk:
    response = client.get(INDEX)
    assert response.status_code == 200
    parsed = _Desk()
    parsed.feed(response.content.decode())
    return parsed


def labels(page: _Desk, section: str) -> list[str]:
    return [item["label"] for item in page.sections[section]["items"]]


# -- the known set-up -----------------------------------------------------------------------------
@pytest.fixture
def people():
    ensure_codes()
    return {
        "md": user("md", "Merchandiser"),
        "md2": user("md2", "Merchandiser"),
        "cs": user("cs", "CS agent"),
        "cs2": user("cs2", "CS agent"),
        "admin": user("admin", superuser=True),
    }


def _draft(by, name, **fields):
    return services.promotion_create(user=by, data=promotion_data(promo_nm=name, **fields))


def _approved(by, approver, name, **fields):
    return services.promotion_approve(user=approver, promotion=_draft(by, name, **fields))


def _issue(promotion, n, first):
    for i in range(n):
        member(str(first + i))
        coupon_issue(member=str(first + i), promotion=promotion, channel=codes.Channel.DOWNLOAD)


def _spend(promotion, amount):
    # budget_used is moved by coupons.use's conditional UPDATEs (tests/coupons/test_use.py); the
    # desk only reads it
    Promotion.objects.filter(pk=promotion.pk).update(budget_used=amount)


@pytest.fixture
def promotions(people):
    md, md2 = people["md"], people["md2"]
    now = timezone.now()
    made = {
        "draft_by_md2": _draft(md2, "md2가 만든 초안"),
        "draft_by_md": _draft(md, "md가 만든 초안"),
        "draft_over": _draft(
            md2,
            "기간이 지난 초안",
            promo_str_dtm=now - timedelta(days=10),
            promo_end_dtm=now - timedelta(days=1),
        ),
        "near_limit": _approved(md, md2, "한도 90% 발급", issu_lmt_qty=10, mbr_issu_lmt_qty=1),
        "below_limit": _approved(md, md2, "한도 80% 발급", issu_lmt_qty=10),
        "sold_out": _approved(md, md2, "한도 소진", issu_lmt_qty=2),
        "near_budget": _approved(md, md2, "예산 90% 사용", budget_amt=100_000),
        "below_budget": _approved(md, md2, "예산 89.99% 사용", budget_amt=100_000),
        "ending": _approved(md, md2, "사흘 뒤 종료", promo_end_dtm=now + timedelta(days=3)),
        "ending_later": _approved(md, md2, "여드레 뒤 종료", promo_end_dtm=now + timedelta(days=8)),
        "revised": _approved(md, md2, "수정안이 있는 쿠폰"),
        "revised_by_md": _approved(md, md2, "md가 고친 쿠폰"),
        "ended": _approved(md, md2, "종료된 쿠폰", issu_lmt_qty=1),
    }
    _issue(made["near_limit"], 9, 100_000_100)
    _issue(made["below_limit"], 8, 100_000_200)
    _issue(made["sold_out"], 2, 100_000_300)
    _issue(made["ended"], 1, 100_000_400)
    services.promotion_end(user=md2, promotion=made["ended"])
    _spend(made["near_budget"], 90_000)
    _spend(made["below_budget"], 89_990)
    made["revision"] = services.promotion_update(
        user=md2, promotion=made["revised"], data={"dc_rate_amt": 2000}
    )
    made["revision_by_md"] = services.promotion_update(
        user=md, promotion=made["revised_by_md"], data={"dc_rate_amt": 3000}
    )
    return {
        key: value if key.startswith("revision") else Promotion.objects.get(pk=value.pk)
        for key, value in made.items()
    }


@pytest.fixture
def marketplace(people):
    md = people["md"]
    start = timezone.now() + timedelta(hours=2)
    reconcile = CoupangCoupon.objects.create(
        title="생성 응답을 잃은 쿠폰",
        start_at=start,
        end_at=start + timedelta(days=7),
        local_status=CoupangCoupon.LocalStatus.NEEDS_RECONCILE,
        create_attempted_at=timezone.now(),
        last_error="생성 요청의 응답을 받지 못했습니다.",
        created_by=md,
    )
    pushed = CoupangCoupon.objects.create(
        title="반영된 쿠폰",
        start_at=start,
        end_at=start + timedelta(days=7),
        local_status=CoupangCoupon.LocalStatus.PUSHED,
        coupon_id=777,
    )

    def sponsorship(goods_no, state):
        return EsmSponsorship.objects.create(
            goods_no=goods_no,
            iac_is_use=True,
            iac_start_date=date(2026, 12, 1),
            iac_end_date=date(2027, 1, 31),
            remote_state=state,
        )

    unknown = sponsorship("G100", EsmSponsorship.RemoteState.UNKNOWN)
    unknown_open = sponsorship("G200", EsmSponsorship.RemoteState.UNKNOWN)
    registered = sponsorship("G300", EsmSponsorship.RemoteState.REGISTERED)

    def job(target_type, target_id, status, operation="push", **fields):
        return Job.objects.create(
            target_type=target_type,
            target_id=str(target_id),
            operation=operation,
            status=status,
            created_by=md,
            **fields,
        )

    failed = job("coupang.coupon", pushed.pk, "FAILED", attempts=1, last_error="CIR14 중복 옵션")
    superseded = job("esm.sponsorship", registered.goods_no, "DEAD", attempts=5)
    job("esm.sponsorship", registered.goods_no, "SUCCEEDED")  # the retry that followed
    dead = job("esm.sponsorship", unknown.goods_no, "DEAD", attempts=5, last_error="ESM 503")
    bulk = job("esm.sponsorship_bulk", "b1", "FAILED", progress_total=3, last_error="자격 증명")
    job("esm.sponsorship", unknown_open.goods_no, "PENDING", operation="pull")
    job("coupons.compensation_run", 1, "FAILED")  # not a marketplace job
    return {
        "reconcile": reconcile,
        "unknown": unknown,
        "unknown_open": unknown_open,
        "failed": failed,
        "superseded": superseded,
        "dead": dead,
        "bulk": bulk,
        "pushed": pushed,
    }


@pytest.fixture
def runs(people):
    cs, cs2 = people["cs"], people["cs2"]
    promotion = _approved(
        people["md"],
        people["md2"],
        "CS 보상 3천원",
        cpn_issu_main_cd=codes.Issuer.CS,
        cpn_issu_way_cd=codes.IssueMethod.TARGETED,
    )
    for mbr_no in ("300000001", "300000002", "300000003"):
        member(mbr_no)

    def run(by, mbr_nos, reason):
        return compensation_issue(
            user=by,
            promotion=promotion,
            mbr_nos=mbr_nos,
            reason_cd=reason,
            submission_key=uuid.uuid4().hex,
        )

    return {
        "first": run(cs, ["300000001", "999999999"], codes.CsReason.LATE_DELIVERY),
        "second": run(cs, ["300000002"], codes.CsReason.DEFECTIVE),
        "other": run(cs2, ["300000003"], codes.CsReason.OTHER),
        "promotion": promotion,
    }


def _promotion_url(p):
    return reverse("admin:coupons_promotion_change", args=[p.pk])


# -- each panel's items ---------------------------------------------------------------------------
def test_merchandiser_sees_what_waits_for_their_approval_and_the_promotions_to_watch(
    client, people, promotions
):
    client.force_login(people["md"])
    page = desk(client)
    p = promotions
    approve = page.sections["desk-approve-promotions"]
    # md2's draft, not md's own (md edited it last) nor the one whose period is over
    assert [(i["label"], i["href"]) for i in approve["items"]] == [
        (f"{p['draft_by_md2'].promo_no} md2가 만든 초안", _promotion_url(p["draft_by_md2"]))
    ]
    assert "최종수정 md2" in approve["items"][0]["note"]
    revisions = page.sections["desk-approve-revisions"]
    assert [(i["label"], i["href"]) for i in revisions["items"]] == [
        (
            f"{p['revised'].promo_no} 수정안이 있는 쿠폰 — 수정안 #{p['revision'].pk}",
            _promotion_url(p["revised"]) + "#pending-revision",
        )
    ]
    assert "작성 md2" in revisions["items"][0]["note"]
    assert "변경 항목 1개" in revisions["items"][0]["note"]

    near = page.sections["desk-near-limit"]
    assert [(i["label"], i["warn"]) for i in near["items"]] == [
        (f"{p[k].promo_no} {p[k].promo_nm}", k == "sold_out")
        for k in ("near_limit", "sold_out", "near_budget")
    ]
    notes = [i["note"] for i in near["items"]]
    assert notes[0].startswith("발급 9 / 10장 (90%)")
    assert notes[1].startswith("발급 2 / 2장 (100%)")
    assert notes[2].startswith("예산 90,000 / 100,000원 (90%)")
    assert near["count"] == 3

    ending = page.sections["desk-ending"]
    assert labels(page, "desk-ending") == [f"{p['ending'].promo_no} 사흘 뒤 종료"]
    assert "(D-3)" in ending["items"][0]["note"]
    assert ending["items"][0]["href"] == _promotion_url(p["ending"])


def test_the_other_merchandiser_sees_the_mirror_image(client, people, promotions):
    client.force_login(people["md2"])
    page = desk(client)
    p = promotions
    assert labels(page, "desk-approve-promotions") == [
        f"{p['draft_by_md'].promo_no} md가 만든 초안"
    ]
    assert labels(page, "desk-approve-revisions") == [
        f"{p['revised_by_md'].promo_no} md가 고친 쿠폰 — 수정안 #{p['revision_by_md'].pk}"
    ]


def test_waiting_for_approval_follows_the_last_editor_not_the_author(client, people, promotions):
    md, md2 = people["md"], people["md2"]
    draft = promotions["draft_by_md"]  # created by md: md2's to approve
    services.promotion_update(user=md2, promotion=draft, data={"promo_nm": "md2가 고친 초안"})
    client.force_login(md)
    assert f"{draft.promo_no} md2가 고친 초안" in labels(desk(client), "desk-approve-promotions")
    client.force_login(md2)
    assert f"{draft.promo_no} md2가 고친 초안" not in labels(
        desk(client), "desk-approve-promotions"
    )
    # and the service agrees: md2 may not approve it, md may
    with pytest.raises(Exception, match="마지막으로 수정한 사람은 승인할 수 없습니다"):
        services.promotion_approve(user=md2, promotion=draft)
    services.promotion_approve(user=md, promotion=draft)
    client.force_login(md)
    assert f"{draft.promo_no} md2가 고친 초안" not in labels(
        desk(client), "desk-approve-promotions"
    )


def test_marketplace_panel_lists_failed_jobs_and_objects_to_confirm(client, people, marketplace):
    m = marketplace
    client.force_login(people["md"])
    page = desk(client)
    failed = page.sections["desk-jobs-failed"]
    # newest first; the DEAD job a later success followed and the compensation job are not listed
    assert [(i["label"], i["href"]) for i in failed["items"]] == [
        (
            "ESM 일괄 전송 (3개 상품)",
            reverse("admin:marketplaces_esmsponsorship_bulk_job", args=[m["bulk"].pk]),
        ),
        (
            "ESM 상품 G100",
            reverse("admin:marketplaces_esmsponsorship_change", args=[m["unknown"].pk]),
        ),
        (
            f"쿠팡 쿠폰 #{m['pushed'].pk} 반영된 쿠폰",
            reverse("admin:marketplaces_coupangcoupon_change", args=[m["pushed"].pk]),
        ),
    ]
    assert all(item["warn"] for item in failed["items"])
    assert "CIR14 중복 옵션" in failed["items"][2]["note"]
    assert "시도 5회" in failed["items"][1]["note"]
    html = client.get(INDEX).content.decode()
    assert f'href="{reverse("admin:jobs_job_change", args=[m["dead"].pk])}"' in html

    assert [(i["label"], i["href"]) for i in page.sections["desk-coupang-confirm"]["items"]] == [
        (
            f"쿠팡 쿠폰 #{m['reconcile'].pk} 생성 응답을 잃은 쿠폰",
            reverse("admin:marketplaces_coupangcoupon_change", args=[m["reconcile"].pk]),
        )
    ]
    # G200 is UNKNOWN too, but a job is open to settle it
    assert labels(page, "desk-esm-confirm") == ["ESM 상품 G100"]


def test_cs_agent_sees_their_own_compensation_runs(client, people, runs):
    client.force_login(people["cs"])
    page = desk(client)
    section = page.sections["desk-compensation-runs"]
    promotion = runs["promotion"]
    assert [(i["label"], i["href"]) for i in section["items"]] == [
        (
            f"#{r.pk} {promotion.promo_no} CS 보상 3천원",
            reverse("admin:coupons_membercoupon_compensation_run", args=[r.pk]),
        )
        for r in (runs["second"], runs["first"])
    ]
    first = CompensationRun.objects.get(pk=runs["first"].pk)
    assert (first.status, first.total, first.issued, first.refused) == ("DONE", 2, 1, 1)
    assert section["items"][1]["note"].startswith(
        "완료 · 배송지연 · 대상 2명 · 발급 1명 · 실패 1명"
    )
    client.force_login(people["cs2"])
    assert labels(desk(client), "desk-compensation-runs") == [
        f"#{runs['other'].pk} {promotion.promo_no} CS 보상 3천원"
    ]


def test_empty_sections_say_so_in_one_line(client, people):
    client.force_login(people["md"])
    page = desk(client)
    assert {key: s["empty"] for key, s in page.sections.items() if s["count"] == 0} == {
        "desk-approve-promotions": "승인할 프로모션이 없습니다.",
        "desk-approve-revisions": "승인할 수정안이 없습니다.",
        "desk-jobs-failed": "실패한 작업이 없습니다.",
        "desk-coupang-confirm": "확인할 쿠팡 쿠폰이 없습니다.",
        "desk-esm-confirm": "확인할 ESM 설정이 없습니다.",
        "desk-near-limit": "한도나 예산에 가까운 프로모션이 없습니다.",
        "desk-ending": "7일 안에 종료되는 프로모션이 없습니다.",
    }
    assert all(not s["items"] for s in page.sections.values())


# -- today's figures ------------------------------------------------------------------------------
def _figures(html: str) -> dict[str, str]:
    """{key: the figure as shown, its detail after a "|"} of the today panel."""
    found = re.findall(
        r'<div class="desk-figure" id="desk-today-([a-z_]+)">\s*<dt>[^<]*</dt>\s*<dd>(.*?)</dd>',
        html,
        re.S,
    )
    return {key: re.sub(r"<small>(.*?)</small>", r"|\1", value).strip() for key, value in found}


@pytest.fixture
def today(people, runs):
    """Today: two copies of a cart coupon (mall 60 % / vendor 40 %) and one of them used on an
    order at 3,000 KRW, besides the runs' three CS copies (reasons 02, 01 and 12)."""
    goods("G1", 15000)
    goods("G2", 20000)
    buyer = member("410000001")
    first, _second = give(buyer, cart_promotion(promo_nm="장바구니 3천원"), qty=2)
    coupons_use(
        **use_kwargs("ORD-DESK-1", buyer, [{"cpn_isu_no": first.pk, "dc_amt": 3000}]),
        user=order_system_user(),
    )
    return runs


def test_today_figures_come_from_the_report(client, people, today):
    client.force_login(people["md"])
    html = client.get(INDEX).content.decode()
    assert _figures(html) == {
        "issued": "5",
        "used": "1",
        "dc_amt": "3,000원",
        "our_dc_amt": "1,800원|60.0%",
        "entr_dc_amt": "1,200원|40.0%",
    }
    day = timezone.localdate().isoformat()
    report = reverse("admin:coupons_coupondailystat_changelist")
    assert f'href="{report}?date_from={day}&amp;date_to={day}"' in html
    assert client.get(f"{report}?date_from={day}&date_to={day}").status_code == 200


def test_cs_agent_sees_todays_issues_by_reason_linked_to_the_coupons(client, people, today):
    client.force_login(people["cs"])
    page = desk(client)
    section = page.sections["desk-today-reasons"]
    assert [(i["label"], i["note"]) for i in section["items"]] == [
        ("01 상품불량", "발급 1장 · 사용 0장 · 할인 0원"),
        ("02 배송지연", "발급 1장 · 사용 0장 · 할인 0원"),
        ("12 기타", "발급 1장 · 사용 0장 · 할인 0원"),
    ]
    listed = client.get(section["items"][1]["href"])
    assert listed.status_code == 200
    coupons = list(listed.context["cl"].result_list)
    assert [(c.member_id, c.cs_cpn_pay_caus_cd) for c in coupons] == [("300000001", "02")]


def test_with_nothing_today_the_figures_are_zero_and_the_reasons_say_so(client, people):
    client.force_login(people["cs"])
    html = client.get(INDEX).content.decode()
    assert _figures(html) == {
        "issued": "0",
        "used": "0",
        "dc_amt": "0원",
        "our_dc_amt": "0원|-",
        "entr_dc_amt": "0원|-",
    }
    assert (
        desk(client).sections["desk-today-reasons"]["empty"] == "오늘 발급된 보상쿠폰이 없습니다."
    )


# -- who sees what --------------------------------------------------------------------------------
MD_PANELS = ["desk-approvals", "desk-marketplaces", "desk-watch"]
CS_PANELS = ["desk-compensation"]


@pytest.mark.parametrize(
    ("who", "panels"),
    [
        ("md", MD_PANELS),
        ("cs", CS_PANELS),
        ("admin", ["desk-approvals", "desk-marketplaces", "desk-watch", "desk-compensation"]),
    ],
)
def test_each_role_sees_its_panels(client, people, who, panels):
    client.force_login(people[who])
    page = desk(client)
    assert [p for p in page.panels if p != "desk-today"] == panels


def test_a_staff_user_without_a_role_gets_one_line_and_the_app_list_stays(client):
    client.force_login(user("nobody"))
    html = client.get(INDEX).content.decode()
    assert "이 계정에 보여줄 업무가 없습니다." in html
    assert 'id="desk-apps"' in html


def test_the_app_list_stays_reachable_beside_the_desk(client, people):
    client.force_login(people["md"])
    html = client.get(INDEX).content.decode()
    apps = html[html.index('id="desk-apps"') :]
    assert reverse("admin:coupons_promotion_changelist") in apps
    assert reverse("admin:marketplaces_coupangcoupon_changelist") in apps
    assert "최근 활동" not in html


def test_panels_for_a_user_follow_permissions_not_group_names(people):
    assert [p.key for p in desk_panels_for(people["cs"]) if p.key != "today"] == ["compensation"]
    md = people["md"]
    md.groups.clear()
    md = type(md).objects.get(pk=md.pk)  # permissions are cached on the instance
    assert [p.key for p in desk_panels_for(md)] == []


# -- links ----------------------------------------------------------------------------------------
def _every_link(page: _Desk) -> list[str]:
    links = []
    for section in page.sections.values():
        links += [item["href"] for item in section["items"]]
        if section["more"]:
            links.append(section["more"])
    return links


@pytest.mark.parametrize("who", ["md", "cs", "admin"])
def test_every_link_opens_for_the_user_who_sees_it(
    client, people, promotions, marketplace, runs, who
):
    client.force_login(people[who])
    page = desk(client)
    links = _every_link(page)
    assert links
    for link in links:
        response = client.get(link)
        assert response.status_code == 200, link


def test_a_long_section_shows_ten_and_links_to_the_filtered_list(client, people):
    md2 = people["md2"]
    drafts = [_draft(md2, f"초안 {i:02d}") for i in range(SECTION_ITEMS + 3)]
    client.force_login(people["md"])
    page = desk(client)
    section = page.sections["desk-approve-promotions"]
    assert section["count"] == SECTION_ITEMS + 3
    assert len(section["items"]) == SECTION_ITEMS
    assert section["more"] == (
        reverse("admin:coupons_promotion_changelist") + "?promo_stat_cd__exact=DRAFT"
    )
    html = client.get(INDEX).content.decode()
    assert "외 3건 더 보기" in html
    listed = client.get(section["more"]).content.decode()
    assert all(d.promo_no in listed for d in drafts)


def _section(rf, who, panel, key):
    """A section as its panel builds it (its "more" link is shown only when it is long)."""
    request = rf.get(INDEX)
    request.user = who
    return next(s for s in PANELS[panel].build(request)["sections"] if s.key == key)


def test_the_ending_soon_link_lists_exactly_those_promotions(client, rf, people, promotions):
    more = _section(rf, people["md"], "watch", "desk-ending").more_url
    client.force_login(people["md"])
    response = client.get(more)
    assert response.status_code == 200
    assert [p.promo_no for p in response.context["cl"].result_list] == [
        promotions["ending"].promo_no
    ]


def test_the_failed_jobs_link_lists_the_marketplace_failures(client, rf, people, marketplace):
    more = _section(rf, people["md"], "marketplaces", "desk-jobs-failed").more_url
    client.force_login(people["md"])
    response = client.get(more)
    assert response.status_code == 200
    m = marketplace
    # the list holds every failure (the one a later job answered too); the desk those left
    assert sorted(j.pk for j in response.context["cl"].result_list) == sorted(
        [m["failed"].pk, m["superseded"].pk, m["dead"].pk, m["bulk"].pk]
    )


@pytest.mark.parametrize(
    ("panel", "key", "expected"),
    [
        ("marketplaces", "desk-coupang-confirm", ["reconcile"]),
        ("marketplaces", "desk-esm-confirm", ["unknown", "unknown_open"]),
    ],
)
def test_the_confirmation_links_list_the_objects_held(
    client, rf, people, marketplace, panel, key, expected
):
    more = _section(rf, people["md"], panel, key).more_url
    client.force_login(people["md"])
    response = client.get(more)
    assert response.status_code == 200
    assert sorted(o.pk for o in response.context["cl"].result_list) == sorted(
        marketplace[k].pk for k in expected
    )


def test_the_compensation_runs_link_lists_the_agents_own(client, rf, people, runs):
    more = _section(rf, people["cs"], "compensation", "desk-compensation-runs").more_url
    client.force_login(people["cs"])
    response = client.get(more)
    assert response.status_code == 200
    assert sorted(r.pk for r in response.context["cl"].result_list) == sorted(
        [runs["first"].pk, runs["second"].pk]
    )


# -- bounded ------------------------------------------------------------------------------------
def _queries(client) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(INDEX).status_code == 200
    return len(captured.captured_queries)


def _more_of_everything(people, n):
    md, md2, admin = people["md"], people["md2"], people["admin"]
    now = timezone.now()
    start = now + timedelta(hours=2)
    cs_promo = _approved(
        md,
        md2,
        "CS 보상",
        cpn_issu_main_cd=codes.Issuer.CS,
        cpn_issu_way_cd=codes.IssueMethod.TARGETED,
    )
    base = 400_000_000 + Promotion.objects.count() * 1000
    for i in range(n):
        _draft(md2, f"초안 {i}")
        revised = _approved(md, md2, f"수정 {i}")
        services.promotion_update(user=md2, promotion=revised, data={"dc_rate_amt": 2000})
        near = _approved(md, md2, f"한도 {i}", issu_lmt_qty=1, budget_amt=1000)
        _issue(near, 1, base + i)
        _approved(md, md2, f"종료 {i}", promo_end_dtm=now + timedelta(days=2))
        coupon = CoupangCoupon.objects.create(
            title=f"쿠폰 {i}",
            start_at=start,
            end_at=start + timedelta(days=7),
            local_status=CoupangCoupon.LocalStatus.NEEDS_RECONCILE,
        )
        Job.objects.create(
            target_type="coupang.coupon", target_id=str(coupon.pk), operation="push", status="DEAD"
        )
        sponsorship = EsmSponsorship.objects.create(
            goods_no=f"N{base + i}",
            iac_is_use=True,
            iac_start_date=date(2026, 12, 1),
            iac_end_date=date(2027, 1, 31),
            remote_state=EsmSponsorship.RemoteState.UNKNOWN,
        )
        Job.objects.create(
            target_type="esm.sponsorship",
            target_id=sponsorship.goods_no,
            operation="push",
            status="FAILED",
        )
        member(str(base + 500 + i))
        compensation_issue(
            user=admin,
            promotion=cs_promo,
            mbr_nos=[str(base + 500 + i)],
            reason_cd=codes.CsReason.OTHER,
            submission_key=uuid.uuid4().hex,
        )


def test_the_desk_query_count_does_not_grow_with_the_data(client, people):
    admin = people["admin"]  # sees every panel
    client.force_login(admin)
    _more_of_everything(people, SECTION_ITEMS + 1)
    # every section is longer than shown: each now costs its slice and its count
    page = desk(client)
    # (today's reasons are the MK021 codes at most, all shown)
    assert {k: s["count"] > SECTION_ITEMS for k, s in page.sections.items()} == {
        k: k != "desk-today-reasons" for k in page.sections
    }
    first = _queries(client)
    _more_of_everything(people, 15)
    assert _queries(client) == first


def test_english_from_the_language_switch(client, people, promotions):
    client.force_login(people["md"])
    client.post(reverse("set_language"), {"language": "en", "next": INDEX})
    html = client.get(INDEX).content.decode()
    for text in ("Waiting for my approval", "Promotions to watch", "Marketplace jobs"):
        assert text in html
    assert "승인 대기" not in html
