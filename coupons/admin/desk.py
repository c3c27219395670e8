"""The desk's coupon panels (SPEC §8, backoffice.desk): what waits for the signed-in merchandiser
or CS agent, and today's figures.

Every section is one query bounded by its slice (and a count only when it is longer than shown),
served by an index: promotions by `promo_status_way_end_idx` (status, method, end: every method is
named so the end condition is an index range), revisions by the partial `promorev_one_pending`,
compensation runs by their `created_by` index. The near-limit section: no index
holds the share left, so it reads the running promotions that have a limit or a budget, by the
partial `promo_limited_end_idx` (APPROVED with a limit or a budget, by end). Today's figures
and issues by reason come from the report selector (coupons.reports, the daily rollup), read once
per page and never from the member-coupon table itself.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.db.models import F, Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from backoffice.desk import DeskItem, admin_url, desk_section, register_panel
from coupons import codes
from coupons.models import CompensationRun, Promotion, PromotionRevision
from coupons.reports import coupon_report

from .reports import can_view_report, total_cards

# A running promotion is "near its limit" when at most this share of its issue limit or of its
# budget is left.
NEAR_LIMIT_PERCENT = 10
ENDING_WITHIN_DAYS = 7
# The report's figures the desk shows for today, in this order.
TODAY_FIGURES = ("issued", "used", "dc_amt", "our_dc_amt", "entr_dc_amt")


def _when(value: datetime | None) -> str:
    return date_format(timezone.localtime(value), "Y-m-d H:i") if value else "-"


def _minute(value: datetime) -> str:
    """`value` in a changelist URL: local time to the minute, with its offset."""
    return timezone.localtime(value).replace(second=0, microsecond=0).isoformat()


def _day_bounds(day) -> tuple[datetime, datetime]:
    """The Asia/Seoul day `day` as [start, end) aware datetimes."""
    start = timezone.make_aware(datetime.combine(day, time.min))
    return start, start + timedelta(days=1)


def _still_to_run(now: datetime) -> Q:
    # Every issue method named, so promo_status_way_end_idx serves status = … AND end > now.
    return Q(cpn_issu_way_cd__in=codes.IssueMethod.values, promo_end_dtm__gt=now)


def _promotion_label(p: Promotion) -> str:
    return f"{p.promo_no} {p.promo_nm}"


# -- selectors: what each section lists -----------------------------------------------------------
def promotions_awaiting_approval(*, user, now: datetime):
    """DRAFT promotions still to run that `user` may approve: last edited by someone else (rule 9,
    `services.promotion_approve`: the last editor may not approve), soonest start first."""
    return (
        Promotion.objects.filter(_still_to_run(now), promo_stat_cd=codes.PromoStatus.DRAFT)
        .exclude(updated_by=user)
        .select_related("updated_by")
        .order_by("promo_str_dtm", "promo_no")
    )


def revisions_awaiting_approval(*, user):
    """Pending revisions `user` may approve: written by someone else (rule 10,
    `services.promotion_revision_approve`), oldest first."""
    return (
        PromotionRevision.objects.filter(status=PromotionRevision.Status.PENDING)
        .exclude(author=user)
        .select_related("promotion", "author")
        .order_by("created_at", "id")
    )


def promotions_near_limit(*, now: datetime):
    """APPROVED promotions still to run with at most NEAR_LIMIT_PERCENT of their issue limit or
    budget left (sold out and spent included), ending soonest first."""
    kept = 100 - NEAR_LIMIT_PERCENT
    return (
        Promotion.objects.filter(
            _still_to_run(now),
            # said on its own, so that a partial index of the limited promotions could serve it
            Q(issu_lmt_qty__isnull=False) | Q(budget_amt__isnull=False),
            promo_stat_cd=codes.PromoStatus.APPROVED,
        )
        .alias(issued_pct=F("issu_qty") * 100, used_pct=F("budget_used") * 100)
        .filter(
            Q(issu_lmt_qty__isnull=False, issued_pct__gte=F("issu_lmt_qty") * kept)
            | Q(budget_amt__isnull=False, used_pct__gte=F("budget_amt") * kept)
        )
        .order_by("promo_end_dtm", "promo_no")
    )


def promotions_ending_soon(*, now: datetime):
    """APPROVED promotions whose period ends within ENDING_WITHIN_DAYS days, soonest first."""
    return Promotion.objects.filter(
        _still_to_run(now),
        promo_stat_cd=codes.PromoStatus.APPROVED,
        promo_end_dtm__lte=now + timedelta(days=ENDING_WITHIN_DAYS),
    ).order_by("promo_end_dtm", "promo_no")


def compensation_runs_of(*, user):
    """The compensation runs `user` submitted, newest first."""
    return (
        CompensationRun.objects.filter(created_by=user).select_related("promotion").order_by("-id")
    )


# -- items ---------------------------------------------------------------------------------------
def _approval_item(p: Promotion) -> DeskItem:
    editor = p.updated_by.get_username() if p.updated_by_id else "-"
    return DeskItem(
        label=_promotion_label(p),
        url=admin_url("coupons_promotion_change", p.pk),
        note=_("%(type)s · %(start)s ~ %(end)s · 최종수정 %(editor)s (%(at)s)")
        % {
            "type": p.get_promo_typ_cd_display(),
            "start": _when(p.promo_str_dtm),
            "end": _when(p.promo_end_dtm),
            "editor": editor,
            "at": _when(p.updated_at),
        },
    )


def _revision_item(r: PromotionRevision) -> DeskItem:
    changed = len(r.changes) + (1 if r.targets is not None else 0)
    return DeskItem(
        label=_("%(promotion)s — 수정안 #%(no)s")
        % {"promotion": _promotion_label(r.promotion), "no": r.pk},
        url=admin_url("coupons_promotion_change", r.promotion_id, fragment="pending-revision"),
        note=_("작성 %(author)s (%(at)s) · 변경 항목 %(n)s개")
        % {"author": r.author.get_username(), "at": _when(r.updated_at), "n": changed},
    )


def _share(used: int, limit: int) -> int:
    return used * 100 // limit if limit else 100


def _limit_item(p: Promotion) -> DeskItem:
    parts = []
    spent = False
    if p.issu_lmt_qty is not None:
        parts.append(
            _("발급 %(issued)s / %(limit)s장 (%(pct)s%%)")
            % {
                "issued": f"{p.issu_qty:,}",
                "limit": f"{p.issu_lmt_qty:,}",
                "pct": _share(p.issu_qty, p.issu_lmt_qty),
            }
        )
        spent = spent or p.issu_qty >= p.issu_lmt_qty
    if p.budget_amt is not None:
        parts.append(
            _("예산 %(used)s / %(budget)s원 (%(pct)s%%)")
            % {
                "used": f"{p.budget_used:,}",
                "budget": f"{p.budget_amt:,}",
                "pct": _share(p.budget_used, p.budget_amt),
            }
        )
        spent = spent or p.budget_used >= p.budget_amt
    parts.append(_("%(end)s 종료") % {"end": _when(p.promo_end_dtm)})
    return DeskItem(
        label=_promotion_label(p),
        url=admin_url("coupons_promotion_change", p.pk),
        note=" · ".join(parts),
        warn=spent,
    )


def _ending_item(p: Promotion, now: datetime) -> DeskItem:
    days = (timezone.localdate(p.promo_end_dtm) - timezone.localdate(now)).days
    issued = (
        _("발급 %(issued)s / %(limit)s장")
        % {"issued": f"{p.issu_qty:,}", "limit": f"{p.issu_lmt_qty:,}"}
        if p.issu_lmt_qty is not None
        else _("발급 %(issued)s장") % {"issued": f"{p.issu_qty:,}"}
    )
    return DeskItem(
        label=_promotion_label(p),
        url=admin_url("coupons_promotion_change", p.pk),
        note=_("%(end)s 종료 (D-%(days)s) · %(issued)s")
        % {"end": _when(p.promo_end_dtm), "days": days, "issued": issued},
    )


def _run_item(run: CompensationRun) -> DeskItem:
    return DeskItem(
        label=f"#{run.pk} {_promotion_label(run.promotion)}",
        url=admin_url("coupons_membercoupon_compensation_run", run.pk),
        note=_(
            "%(status)s · %(reason)s · 대상 %(total)s명 · 발급 %(issued)s명 · 실패 %(refused)s명 · %(at)s"
        )
        % {
            "status": run.get_status_display(),
            "reason": run.get_cs_cpn_pay_caus_cd_display(),
            "total": f"{run.total:,}",
            "issued": f"{run.issued:,}",
            "refused": f"{run.refused:,}",
            "at": _when(run.created_at),
        },
        warn=run.status == CompensationRun.Status.FAILED,
    )


def today_report(request) -> dict:
    """`coupon_report` of today (Asia/Seoul), read once per request whichever panels use it."""
    report = getattr(request, "_desk_today_report", None)
    if report is None:
        today = timezone.localdate()
        report = coupon_report(date_from=today, date_to=today)
        request._desk_today_report = report
    return report


def _report_url(day, **filters) -> str:
    """The cost report of `day` (within `filters`)."""
    return admin_url(
        "coupons_coupondailystat_changelist",
        query={"date_from": day.isoformat(), "date_to": day.isoformat(), **filters},
    )


def _reason_item(row: dict, day, *, report: bool) -> DeskItem:
    start, end = _day_bounds(day)
    return DeskItem(
        label=f"{row['reason_cd']} {row['reason_nm']}",
        url=admin_url(
            "coupons_membercoupon_changelist",
            query={
                "cs_cpn_pay_caus_cd__exact": row["reason_cd"],
                "issued_at__gte": start.isoformat(),
                "issued_at__lt": end.isoformat(),
            },
        ),
        note=_("발급 %(issued)s장 · 사용 %(used)s장 · 할인 %(dc)s원")
        % {
            "issued": f"{row['issued']:,}",
            "used": f"{row['used']:,}",
            "dc": f"{row['dc_amt']:,}",
        },
        links=((_("비용 리포트에서 보기"), _report_url(day, reason_cd=row["reason_cd"])),)
        if report
        else (),
    )


def _percent_of(part: int, whole: int) -> str:
    return f"{part * 100 / whole:.1f}%" if whole else "-"


# -- panels ---------------------------------------------------------------------------------------
def _today(request) -> dict:
    report = today_report(request)
    totals, day = report["totals"], report["date_from"]
    # the report page's own labels and formats, so both read the same
    cards = {key: (label, value) for key, label, value in total_cards(totals)}
    shares = {
        "our_dc_amt": _percent_of(totals["our_dc_amt"], totals["dc_amt"]),
        "entr_dc_amt": _percent_of(totals["entr_dc_amt"], totals["dc_amt"]),
    }
    return {
        "day": date_format(day, "Y-m-d"),
        "report_url": _report_url(day),
        "figures": [
            {
                "key": key,
                "label": cards[key][0],
                "value": cards[key][1],
                "detail": shares.get(key, ""),
            }
            for key in TODAY_FIGURES
        ],
    }


def _approvals(request) -> dict:
    user, now = request.user, timezone.now()
    promotions = promotions_awaiting_approval(user=user, now=now)
    revisions = revisions_awaiting_approval(user=user)
    return {
        "sections": [
            desk_section(
                key="desk-approve-promotions",
                title=_("승인 대기 프로모션 (다른 담당자가 수정)"),
                rows=promotions,
                count=promotions.count,
                item=_approval_item,
                empty=_("승인할 프로모션이 없습니다."),
                more_url=admin_url(
                    "coupons_promotion_changelist",
                    query={"promo_stat_cd__exact": codes.PromoStatus.DRAFT},
                ),
            ),
            desk_section(
                key="desk-approve-revisions",
                title=_("승인 대기 수정안 (다른 담당자가 작성)"),
                rows=revisions,
                count=revisions.count,
                item=_revision_item,
                empty=_("승인할 수정안이 없습니다."),
            ),
        ]
    }


def _watch(request) -> dict:
    now = timezone.now()
    near = promotions_near_limit(now=now)
    ending = promotions_ending_soon(now=now)
    approved = codes.PromoStatus.APPROVED
    return {
        "sections": [
            desk_section(
                key="desk-near-limit",
                title=_("발급한도·예산 %(pct)s%% 이내 남은 프로모션") % {"pct": NEAR_LIMIT_PERCENT},
                rows=near,
                count=near.count,
                item=_limit_item,
                empty=_("한도나 예산에 가까운 프로모션이 없습니다."),
                more_url=admin_url(
                    "coupons_promotion_changelist",
                    query={"promo_stat_cd__exact": approved, "period": "current"},
                ),
            ),
            desk_section(
                key="desk-ending",
                title=_("%(days)s일 안에 종료되는 프로모션") % {"days": ENDING_WITHIN_DAYS},
                rows=ending,
                count=ending.count,
                item=lambda p: _ending_item(p, now),
                empty=_("%(days)s일 안에 종료되는 프로모션이 없습니다.")
                % {"days": ENDING_WITHIN_DAYS},
                more_url=admin_url(
                    "coupons_promotion_changelist",
                    query={
                        "promo_stat_cd__exact": approved,
                        "promo_end_dtm__gt": _minute(now),
                        "promo_end_dtm__lte": _minute(now + timedelta(days=ENDING_WITHIN_DAYS)),
                    },
                ),
            ),
        ]
    }


def _compensation(request) -> dict:
    runs = compensation_runs_of(user=request.user)
    report = today_report(request)
    reasons = [row for row in report["by_reason"] if row["reason_cd"]]
    return {
        "sections": [
            desk_section(
                key="desk-compensation-runs",
                title=_("내 CS 보상쿠폰 발급"),
                rows=runs,
                count=runs.count,
                item=_run_item,
                empty=_("요청한 보상쿠폰 발급이 없습니다."),
                more_url=admin_url(
                    "coupons_compensationrun_changelist",
                    query={"created_by__exact": request.user.pk},
                ),
            ),
            desk_section(
                key="desk-today-reasons",
                title=_("오늘 사유별 보상 발급 (MK021)"),
                rows=reasons,
                count=lambda: len(reasons),
                item=lambda row: _reason_item(
                    row, report["date_from"], report=can_view_report(request.user)
                ),
                empty=_("오늘 발급된 보상쿠폰이 없습니다."),
                limit=len(codes.CsReason.values),
            ),
        ]
    }


def _can(permission: str):
    return lambda user: user.is_active and user.has_perm(permission)


register_panel(
    "today",
    title=gettext_lazy("오늘의 쿠폰"),
    allowed=can_view_report,
    build=_today,
    template="admin/desk/today.html",
    order=0,
)
register_panel(
    "approvals",
    title=gettext_lazy("내 승인 대기"),
    allowed=_can("coupons.approve_promotion"),
    build=_approvals,
    order=10,
)
register_panel(
    "watch",
    title=gettext_lazy("살펴볼 프로모션"),
    allowed=_can("coupons.change_promotion"),
    build=_watch,
    order=30,
)
register_panel(
    "compensation",
    title=gettext_lazy("CS 보상"),
    allowed=_can("coupons.issue_compensation"),
    build=_compensation,
    order=40,
)

__all__ = [
    "today_report",
    "compensation_runs_of",
    "promotions_awaiting_approval",
    "promotions_ending_soon",
    "promotions_near_limit",
    "revisions_awaiting_approval",
]
