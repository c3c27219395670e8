"""The desk's marketplace panel (SPEC §8, backoffice.desk): pushes that failed and objects held for
a person to confirm what the marketplace did.

- Failed: marketplace jobs ended FAILED or DEAD with no later job on the same target (a retry
  that followed, by anyone, answers them). Served by `job_due_idx` (status first) and, for the
  later-job check, `job_target_idx`.
- To confirm: Coupang coupons parked as NEEDS_RECONCILE (a create whose answer was lost: check
  WING, then adopt the couponId or resend), and ESM settings whose last write's outcome is unknown
  (remote state UNKNOWN) with no job open to find out (an ESM read settles it).

The two "to confirm" lists filter on a status column no index holds: the tables are the
back-office's own list of pushed objects (thousands, not millions), and a partial index on each
(`local_status = 'NEEDS_RECONCILE'`, `remote_state = 'UNKNOWN'`) would serve them should they grow.

Registered by one line in `marketplaces/admin.py`.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from backoffice.desk import DeskItem, admin_url, desk_section, register_panel
from backoffice.jobs.models import Job

from .coupang.models import CoupangCoupon
from .coupang.services import TARGET_COUPANG_COUPON
from .esm.models import EsmSponsorship
from .esm.services import TARGET_ESM_BULK, TARGET_ESM_SPONSORSHIP

MARKETPLACE_TARGETS = (TARGET_COUPANG_COUPON, TARGET_ESM_SPONSORSHIP, TARGET_ESM_BULK)
FAILED_STATUSES = (Job.Status.FAILED, Job.Status.DEAD)
ERROR_CHARS = 120


def _when(value) -> str:
    return date_format(timezone.localtime(value), "Y-m-d H:i") if value else "-"


def _short(text: str) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= ERROR_CHARS else text[: ERROR_CHARS - 1] + "…"


# -- selectors -----------------------------------------------------------------------------------
def marketplace_jobs_failed():
    """Marketplace jobs that ended FAILED or DEAD and were not followed by another job on their
    target, newest first."""
    later = Job.objects.filter(
        target_type=OuterRef("target_type"), target_id=OuterRef("target_id"), pk__gt=OuterRef("pk")
    )
    return (
        Job.objects.filter(status__in=FAILED_STATUSES, target_type__in=MARKETPLACE_TARGETS)
        .filter(~Exists(later))
        .select_related("created_by")
        .order_by("-id")
    )


def coupang_coupons_to_confirm():
    """Coupang coupons whose create's outcome is unknown (NEEDS_RECONCILE), oldest first."""
    return CoupangCoupon.objects.filter(
        local_status=CoupangCoupon.LocalStatus.NEEDS_RECONCILE
    ).order_by("id")


def esm_sponsorships_to_confirm():
    """ESM settings whose last write's outcome is unknown, with no job open to settle it."""
    open_job = Job.objects.filter(
        target_type=TARGET_ESM_SPONSORSHIP,
        target_id=OuterRef("goods_no"),
        status__in=Job.OPEN_STATUSES,
    )
    return (
        EsmSponsorship.objects.filter(remote_state=EsmSponsorship.RemoteState.UNKNOWN)
        .filter(~Exists(open_job))
        .order_by("id")
    )


# -- items ---------------------------------------------------------------------------------------
def _job_items(jobs: list[Job]) -> list[DeskItem]:
    """Each failed job, linked to the object to act on (push again, check) and to the job."""
    coupon_ids = [
        int(j.target_id)
        for j in jobs
        if j.target_type == TARGET_COUPANG_COUPON and j.target_id.isdigit()
    ]
    goods_nos = [j.target_id for j in jobs if j.target_type == TARGET_ESM_SPONSORSHIP]
    coupons = CoupangCoupon.objects.in_bulk(coupon_ids) if coupon_ids else {}
    sponsorships = (
        {s.goods_no: s for s in EsmSponsorship.objects.filter(goods_no__in=goods_nos)}
        if goods_nos
        else {}
    )
    items = []
    for job in jobs:
        job_url = reverse("admin:jobs_job_change", args=[job.pk])
        label, url = _("작업 #%(id)s %(target)s") % {"id": job.pk, "target": job.target_label}, ""
        if job.target_type == TARGET_COUPANG_COUPON:
            coupon = coupons.get(int(job.target_id)) if job.target_id.isdigit() else None
            label = _("쿠팡 쿠폰 #%(id)s %(title)s") % {
                "id": job.target_id,
                "title": coupon.title if coupon else _("(삭제됨)"),
            }
            if coupon:
                url = reverse("admin:marketplaces_coupangcoupon_change", args=[coupon.pk])
        elif job.target_type == TARGET_ESM_SPONSORSHIP:
            sponsorship = sponsorships.get(job.target_id)
            label = _("ESM 상품 %(goods)s") % {"goods": job.target_id}
            if sponsorship:
                url = reverse("admin:marketplaces_esmsponsorship_change", args=[sponsorship.pk])
        elif job.target_type == TARGET_ESM_BULK:
            label = _("ESM 일괄 전송 (%(n)s개 상품)") % {"n": f"{job.progress_total:,}"}
            url = reverse("admin:marketplaces_esmsponsorship_bulk_job", args=[job.pk])
        note = " · ".join(
            x
            for x in (
                job.operation_label,
                job.get_status_display(),
                _("시도 %(n)s회") % {"n": job.attempts},
                _when(job.finished_at or job.updated_at),
                job.created_by.get_username() if job.created_by_id else "",
                _short(job.last_error),
            )
            if x
        )
        items.append(
            DeskItem(
                label=label,
                url=url or job_url,
                note=note,
                links=((_("작업 #%(id)s") % {"id": job.pk}, job_url),) if url else (),
                warn=True,
            )
        )
    return items


def _coupang_item(coupon: CoupangCoupon) -> DeskItem:
    return DeskItem(
        label=_("쿠팡 쿠폰 #%(id)s %(title)s") % {"id": coupon.pk, "title": coupon.title},
        url=reverse("admin:marketplaces_coupangcoupon_change", args=[coupon.pk]),
        note=" · ".join(
            x
            for x in (
                _("생성 요청 %(at)s") % {"at": _when(coupon.create_attempted_at)},
                _("WING에서 확인한 뒤 couponId 연결 또는 재생성"),
                _short(coupon.last_error),
            )
            if x
        ),
    )


def _esm_item(sponsorship: EsmSponsorship) -> DeskItem:
    return DeskItem(
        label=_("ESM 상품 %(goods)s") % {"goods": sponsorship.goods_no},
        url=reverse("admin:marketplaces_esmsponsorship_change", args=[sponsorship.pk]),
        note=" · ".join(
            x
            for x in (
                _("마지막 전송 결과를 모름: ESM 조회로 확인"),
                _when(sponsorship.updated_at),
                _short(sponsorship.last_error),
            )
            if x
        ),
    )


# -- the panel -----------------------------------------------------------------------------------
def _marketplaces(request) -> dict:
    user = request.user
    sections = []
    if user.has_perm("jobs.view_job"):
        failed = marketplace_jobs_failed()
        sections.append(
            desk_section(
                key="desk-jobs-failed",
                title=_("실패한 마켓플레이스 작업"),
                rows=failed,
                count=failed.count,
                items=_job_items,
                empty=_("실패한 작업이 없습니다."),
                more_url=admin_url(
                    "jobs_job_changelist",
                    query={
                        "status__in": ",".join(FAILED_STATUSES),
                        "target_type__in": ",".join(MARKETPLACE_TARGETS),
                    },
                ),
            )
        )
    if user.has_perm("marketplaces.view_coupangcoupon"):
        coupons = coupang_coupons_to_confirm()
        sections.append(
            desk_section(
                key="desk-coupang-confirm",
                title=_("쿠팡: 생성 여부 확인 필요"),
                rows=coupons,
                count=coupons.count,
                item=_coupang_item,
                empty=_("확인할 쿠팡 쿠폰이 없습니다."),
                more_url=admin_url(
                    "marketplaces_coupangcoupon_changelist",
                    query={"local_status__exact": CoupangCoupon.LocalStatus.NEEDS_RECONCILE},
                ),
            )
        )
    if user.has_perm("marketplaces.view_esmsponsorship"):
        sponsorships = esm_sponsorships_to_confirm()
        sections.append(
            desk_section(
                key="desk-esm-confirm",
                title=_("ESM: 반영 여부 확인 필요"),
                rows=sponsorships,
                count=sponsorships.count,
                item=_esm_item,
                empty=_("확인할 ESM 설정이 없습니다."),
                more_url=admin_url(
                    "marketplaces_esmsponsorship_changelist",
                    query={"remote_state__exact": EsmSponsorship.RemoteState.UNKNOWN},
                ),
            )
        )
    return {"sections": sections}


def _allowed(user) -> bool:
    # who pushes to a marketplace sees this panel (merchandisers, superusers)
    return user.is_active and (
        user.has_perm("marketplaces.change_coupangcoupon")
        or user.has_perm("marketplaces.change_esmsponsorship")
    )


register_panel(
    "marketplaces",
    title=gettext_lazy("마켓플레이스 작업"),
    allowed=_allowed,
    build=_marketplaces,
    order=20,
)
