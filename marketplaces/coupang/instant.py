"""Every write of Coupang instant-discount coupons (즉시할인쿠폰), their job handlers, the
reconcile against Coupang's list, and the mirrors of a mall promotion.

Every write is asynchronous on Coupang: it answers a `requestedId`, polled until DONE or FAIL.
A push is resumable step by step, each step's progress committed before the next remote call:
create (its `requestedId` kept, polled to the couponId), add the options in calls of at most
10,000 (each call's `requestedId` recorded on its rows, polled before the next call), read back.

Lost answers. Unlike the downloadable coupons, this family has a list API, so nothing is held for
a person to confirm:
- a create whose answer was lost (timeout, dropped connection, 500/502/504, a worker that died
  mid-call) is looked up in the vendor's list by what was sent (name, period, type, discount)
  before anything is sent again; the list is read until the coupon shows or the polling time
  (`COUPANG_POLL_MAX` × `COUPANG_POLL_INTERVAL_SECONDS`) is up, and only then is the create sent
  again;
- an add-items call whose answer was lost is sent again with the same options: a coupon's
  options are a set, so options it already has change nothing (the sandbox does so; the contract
  does not settle it);
- an expire whose answer was lost is reconciled by reading the coupon (EXPIRED: done).
Answers that prove nothing was done (connection refused, 429, 503, any 4xx) retry or fail
normally.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from backoffice.errors import DomainError
from backoffice.jobs.models import Job
from backoffice.jobs.services import job_enqueue, job_heartbeat
from backoffice.mirrors import Mirror
from marketplaces.http import FinalError, RetryableError
from marketplaces.rules import check_all

from . import rules
from .client import (
    INSTANT_STATUSES,
    InstantCoupon,
    InstantCouponClient,
    InstantCouponRequest,
    format_kst,
)
from .models import (
    CoupangCoupon,
    CoupangInstantCoupon,
    CoupangInstantCouponItem,
    CoupangInstantFinding,
)

TARGET_INSTANT = "coupang.instant_coupon"
TARGET_INSTANT_RECONCILE = "coupang.instant_reconcile"
Status = CoupangInstantCoupon.LocalStatus
ItemStatus = CoupangInstantCouponItem.Status
# Where a coupon just created can be listed (a lost create is looked up there).
NEW_COUPON_STATUSES = ("STANDBY", "APPLIED", "PAUSED")

# Model field -> the name used in MARKETPLACES.md / the REST API, for error mapping.
API_FIELD_NAMES = {
    "name": "name",
    "contract_id": "contractId",
    "type": "type",
    "discount": "discount",
    "max_discount_price": "maxDiscountPrice",
    "start_at": "startAt",
    "end_at": "endAt",
    "wow_exclusive": "wowExclusive",
    "promotion": "promoNo",
    "items": "vendorItemIds",
}


# --- services called by the admin, the API and commands -----------------------------------------
def coupang_instant_validate(coupon: CoupangInstantCoupon, vendor_item_ids: list[int]) -> None:
    """Every local rule for an instant coupon about to be saved or sent. Raises ValidationError."""
    checks = [(rules.instant_coupon_terms, coupon)]
    if vendor_item_ids:  # a draft may get its options later (`coupang_instant_add_items`)
        checks.append((rules.instant_items, vendor_item_ids))
    check_all(*checks)


@transaction.atomic
def coupang_instant_create(
    *,
    user,
    name: str,
    type: str,  # noqa: A002 - the contract's name
    discount: int,
    max_discount_price: int,
    start_at: datetime,
    end_at: datetime,
    wow_exclusive: bool = False,
    contract_id: int | None = None,
    promotion=None,
    vendor_item_ids: Iterable[int] = (),
) -> CoupangInstantCoupon:
    """Save a DRAFT instant coupon with its options after every local rule; returns it.

    Raises ValidationError (field errors keyed by model field, `items`)."""
    ids = list(vendor_item_ids)
    coupon = CoupangInstantCoupon(
        name=name,
        type=type,
        discount=discount,
        max_discount_price=max_discount_price,
        start_at=start_at,
        end_at=end_at,
        wow_exclusive=wow_exclusive,
        contract_id=contract_id,
        promotion=promotion,
        created_by=user if getattr(user, "pk", None) else None,
    )
    coupang_instant_validate(coupon, ids)
    coupon.save()
    _add_rows(coupon, ids)
    return coupon


def _add_rows(coupon: CoupangInstantCoupon, ids: list[int]) -> None:
    CoupangInstantCouponItem.objects.bulk_create(
        [CoupangInstantCouponItem(coupon=coupon, vendor_item_id=i) for i in ids], batch_size=2000
    )


def _locked(coupon: CoupangInstantCoupon) -> CoupangInstantCoupon:
    return CoupangInstantCoupon.objects.select_for_update().get(pk=coupon.pk)


def _enqueue(coupon: CoupangInstantCoupon, operation: str, user, **extra) -> Job:
    return job_enqueue(
        target_type=TARGET_INSTANT, target_id=coupon.pk, operation=operation, user=user, **extra
    )


@transaction.atomic
def coupang_instant_push(*, coupon: CoupangInstantCoupon, user) -> Job:
    """Queue "Create on Coupang" (create, add the options, poll, read back); returns the job.

    Checks every local rule first so nothing invalid is sent. Raises ValidationError or
    DomainError."""
    coupon = _locked(coupon)
    if coupon.local_status in (Status.PUSHED, Status.EXPIRING, Status.EXPIRED):
        raise DomainError(
            _("이미 쿠팡에 반영된 쿠폰입니다 (%(status)s).")
            % {"status": coupon.get_local_status_display()},
            code="ALREADY_PUSHED",
        )
    ids = list(coupon.items.values_list("vendor_item_id", flat=True))
    if not coupon.is_created_remotely:
        check_all((coupang_instant_validate, coupon, ids), (rules.items_present, ids))
    coupon.local_status = Status.QUEUED
    coupon.last_error = ""
    coupon.save(update_fields=["local_status", "last_error", "updated_at"])
    return _enqueue(coupon, "push", user, progress_total=len(ids))


@transaction.atomic
def coupang_instant_add_items(
    *, coupon: CoupangInstantCoupon, vendor_item_ids: list[int], user
) -> Job | None:
    """Add options to a coupon: saved as PENDING and, when the coupon is on Coupang, sent by an
    "add options" job (returned; None for a draft, whose push sends them). Raises
    ValidationError (`items`) or DomainError."""
    coupon = _locked(coupon)
    if coupon.local_status in (Status.EXPIRING, Status.EXPIRED):
        raise DomainError(_("만료된 쿠폰에는 옵션을 추가할 수 없습니다."), code="NOT_LIVE")
    ids = list(vendor_item_ids)
    already = sorted(
        coupon.items.filter(vendor_item_id__in=ids).values_list("vendor_item_id", flat=True)
    )
    check_all(
        (rules.instant_items, ids),
        (rules.instant_items_already_added, already),
    )
    _add_rows(coupon, ids)
    if coupon.local_status != Status.PUSHED:
        return None
    coupon.local_status = Status.QUEUED
    coupon.save(update_fields=["local_status", "updated_at"])
    pending = coupon.items.filter(status=ItemStatus.PENDING).count()
    return _enqueue(coupon, "add_items", user, progress_total=pending)


@transaction.atomic
def coupang_instant_expire(*, coupon: CoupangInstantCoupon, user) -> Job:
    """Queue "Expire on Coupang"; returns the job. Raises DomainError unless the coupon is live."""
    coupon = _locked(coupon)
    if not coupon.coupon_id or coupon.local_status in (Status.EXPIRED, Status.EXPIRING):
        raise DomainError(_("쿠팡에 살아 있는 쿠폰만 만료할 수 있습니다."), code="NOT_LIVE")
    coupon.local_status = Status.EXPIRING
    coupon.save(update_fields=["local_status", "updated_at"])
    return _enqueue(coupon, "expire", user)


@transaction.atomic
def coupang_instant_poll(*, coupon: CoupangInstantCoupon, user) -> Job:
    """Queue "Check requests and read back": the requests in flight polled to DONE / FAIL, then
    the coupon read from Coupang; returns the job. Raises DomainError before any create."""
    if not coupon.is_created_remotely:
        raise DomainError(_("쿠팡에 보낸 적이 없는 쿠폰입니다."), code="NOT_CREATED")
    return _enqueue(coupon, "poll", user)


def coupang_instant_reconcile(*, user=None, dispatch: bool = True) -> Job:
    """Queue the reconcile of the vendor's instant coupons (every status, every page) against
    these rows; returns the job (`dispatch=False`: the caller runs it). Raises Conflict
    (SYNC_JOB_OPEN) while one is open."""
    with transaction.atomic():
        return job_enqueue(
            target_type=TARGET_INSTANT_RECONCILE,
            target_id=settings.COUPANG_VENDOR_ID,
            operation="reconcile",
            user=user,
            dispatch=dispatch,
        )


# --- the jobs -----------------------------------------------------------------------------------
def _save(coupon: CoupangInstantCoupon, **fields) -> None:
    for name, value in fields.items():
        setattr(coupon, name, value)
    coupon.save(update_fields=[*fields, "updated_at"])


def _store_remote(coupon: CoupangInstantCoupon, remote: InstantCoupon) -> None:
    _save(
        coupon,
        remote_status=remote.status[:20],
        remote_payload=remote.raw,
        remote_synced_at=timezone.now(),
    )


def _wait(client: InstantCouponClient, job: Job, requested_id: str):
    """Poll a requestedId until DONE / FAIL; RetryableError while it is still REQUESTED."""
    for _attempt in range(max(1, settings.COUPANG_POLL_MAX)):
        status = client.requested_status(requested_id)
        if not status.pending:
            return status
        job_heartbeat(job)
        time.sleep(settings.COUPANG_POLL_INTERVAL_SECONDS)
    raise RetryableError(
        _("쿠팡이 요청(%s)을 아직 처리 중입니다.") % requested_id,
        retry_after=settings.COUPANG_POLL_INTERVAL_SECONDS,
    )


def _create_request(coupon: CoupangInstantCoupon, client) -> InstantCouponRequest:
    return InstantCouponRequest(
        name=coupon.name,
        contract_id=coupon.contract_id or client.default_contract_id(),
        type=coupon.type,
        discount=coupon.discount,
        max_discount_price=coupon.max_discount_price,
        start_at=coupon.start_at.replace(microsecond=0),
        end_at=coupon.end_at.replace(microsecond=0),
        wow_exclusive=coupon.wow_exclusive,
    )


def _same_offer(remote: InstantCoupon, sent: dict) -> bool:
    return (
        remote.name == sent.get("name")
        and remote.type == sent.get("type")
        and remote.discount == sent.get("discount")
        and remote.start_at is not None
        and format_kst(remote.start_at) == sent.get("startAt")
        and remote.end_at is not None
        and format_kst(remote.end_at) == sent.get("endAt")
    )


def _find_created(coupon: CoupangInstantCoupon, client, job: Job) -> int | None:
    """The couponId our lost create made, read from the vendor's list until it shows or the
    polling time is up (None: it probably never arrived)."""
    sent = coupon.create_request or {}
    for _poll in range(max(1, settings.COUPANG_POLL_MAX)):
        taken = set(
            CoupangInstantCoupon.objects.exclude(pk=coupon.pk)
            .exclude(coupon_id=None)
            .values_list("coupon_id", flat=True)
        )
        found = sorted(
            remote.coupon_id
            for status in NEW_COUPON_STATUSES
            for remote in client.list_instant(status)
            if remote.coupon_id not in taken and _same_offer(remote, sent)
        )
        if found:
            return found[0]
        job_heartbeat(job)
        time.sleep(settings.COUPANG_POLL_INTERVAL_SECONDS)
    return None


def _link(coupon: CoupangInstantCoupon, coupon_id: int) -> None:
    _save(coupon, coupon_id=coupon_id, create_attempted_at=None, create_requested_id="")


def _step_create(coupon: CoupangInstantCoupon, client, job: Job) -> None:
    if coupon.coupon_id:
        return
    if not coupon.create_requested_id and coupon.create_attempted_at:
        # An earlier attempt sent the create and never heard back: look it up before resending.
        found = _find_created(coupon, client, job)
        if found:
            _link(coupon, found)
            return
        _save(coupon, create_attempted_at=None)
    if not coupon.create_requested_id:
        request = _create_request(coupon, client)
        _save(coupon, create_attempted_at=timezone.now(), create_request=request.as_request())
        try:
            requested_id = client.create_instant(request)
        except RetryableError as exc:
            if not exc.outcome_unknown:
                _save(coupon, create_attempted_at=None)  # certainly not applied
            raise
        except FinalError:
            _save(coupon, create_attempted_at=None)
            raise
        _save(coupon, create_requested_id=requested_id, create_attempted_at=None)
    status = _wait(client, job, coupon.create_requested_id)
    if status.status == "FAIL":
        reasons = "; ".join(sorted(set(status.failures.values()))) or _("생성 요청 실패 (FAIL)")
        _save(coupon, create_requested_id="")
        raise FinalError(_("쿠팡이 쿠폰을 만들지 못했습니다: %s") % reasons)
    if status.coupon_id:
        _link(coupon, status.coupon_id)
        return
    found = _find_created(coupon, client, job)  # DONE without a couponId: read the list
    if not found:
        raise RetryableError(_("생성 요청은 완료되었지만 쿠팡 목록에 쿠폰이 아직 없습니다."))
    _link(coupon, found)


def _settle_items(coupon: CoupangInstantCoupon, client, job: Job) -> None:
    """Wait for the add-items requests sent and not yet settled; record DONE or FAILED."""
    requested = coupon.items.filter(status=ItemStatus.REQUESTED)
    for requested_id in sorted(set(requested.values_list("requested_id", flat=True))):
        status = _wait(client, job, requested_id)
        rows = coupon.items.filter(requested_id=requested_id, status=ItemStatus.REQUESTED)
        with transaction.atomic():
            if status.status == "FAIL" and not status.failures:
                rows.update(status=ItemStatus.FAILED, failure_reason=_("옵션 등록 실패 (FAIL)"))
                continue
            for reason in sorted(set(status.failures.values())):
                ids = [i for i, r in status.failures.items() if r == reason]
                rows.filter(vendor_item_id__in=ids).update(
                    status=ItemStatus.FAILED, failure_reason=reason or _("옵션 등록 실패")
                )
            rows.filter(status=ItemStatus.REQUESTED).update(status=ItemStatus.DONE)


def _step_items(coupon: CoupangInstantCoupon, client, job: Job) -> None:
    """Send the PENDING options in calls of at most 10,000 (in id order), each call's request
    polled and recorded before the next; resumable after a crash at any point."""
    while True:
        _settle_items(coupon, client, job)
        chunk = list(
            coupon.items.filter(status=ItemStatus.PENDING)
            .order_by("id")
            .values_list("id", "vendor_item_id")[: rules.MAX_INSTANT_ITEMS_PER_CALL]
        )
        done = coupon.items.exclude(status=ItemStatus.PENDING).count()
        job_heartbeat(job, done=done, total=done + coupon.items.filter(status="PENDING").count())
        if not chunk:
            return
        _save(coupon, items_requested_at=timezone.now())  # committed before the call
        try:
            requested_id = client.add_instant_items(coupon.coupon_id, [v for _pk, v in chunk])
        except RetryableError as exc:
            if not exc.outcome_unknown:
                _save(coupon, items_requested_at=None)
            raise  # a lost call is sent again with the same options: nothing doubles
        except FinalError:
            _save(coupon, items_requested_at=None)
            raise
        with transaction.atomic():  # the rows and the cleared marker together
            coupon.items.filter(
                status=ItemStatus.PENDING, id__gte=chunk[0][0], id__lte=chunk[-1][0]
            ).update(status=ItemStatus.REQUESTED, requested_id=requested_id)
            _save(coupon, items_requested_at=None)


def _failed_items_message(coupon: CoupangInstantCoupon) -> str:
    failed = coupon.items.filter(status=ItemStatus.FAILED)
    count = failed.count()
    if not count:
        return ""
    shown = ", ".join(
        f"{i.vendor_item_id} ({i.failure_reason})" for i in failed.order_by("id")[:10]
    )
    return _("옵션 %(n)s개를 쿠팡에 등록하지 못했습니다: %(items)s") % {
        "n": f"{count:,}",
        "items": shown + (" …" if count > 10 else ""),
    }


def _read_back(coupon: CoupangInstantCoupon, client) -> InstantCoupon:
    remote = client.get_instant(coupon.coupon_id)
    _store_remote(coupon, remote)
    return remote


def _coupon(job: Job) -> CoupangInstantCoupon:
    return CoupangInstantCoupon.objects.get(pk=int(job.target_id))


def _run_push(job: Job) -> dict:
    coupon = _coupon(job)
    client = InstantCouponClient(job=job)
    _step_create(coupon, client, job)
    _step_items(coupon, client, job)
    _read_back(coupon, client)
    failed = _failed_items_message(coupon)
    _save(coupon, local_status=Status.PUSHED, last_error=failed)
    if failed:
        raise FinalError(failed)
    return {
        "couponId": coupon.coupon_id,
        "status": coupon.remote_status,
        "items": coupon.items.filter(status=ItemStatus.DONE).count(),
    }


def _push_failed(job: Job, message: str) -> None:
    coupon = _coupon(job)
    fields = {"last_error": message}
    if coupon.local_status == Status.QUEUED:
        fields["local_status"] = Status.PUSHED if coupon.coupon_id else Status.FAILED
    _save(coupon, **fields)


def _run_expire(job: Job) -> dict:
    coupon = _coupon(job)
    client = InstantCouponClient(job=job)
    if not coupon.expire_requested_id:
        remote = _read_back(coupon, client)  # reconcile: a lost expire may have landed
        if remote.status != "EXPIRED":
            _save(coupon, expire_attempted_at=timezone.now())
            try:
                requested_id = client.expire_instant(coupon.coupon_id)
            except FinalError:
                if _read_back(coupon, client).status != "EXPIRED":
                    raise
                requested_id = ""
            _save(coupon, expire_requested_id=requested_id)
    if coupon.expire_requested_id:
        status = _wait(client, job, coupon.expire_requested_id)
        if status.status == "FAIL":
            _save(coupon, expire_requested_id="")
            raise FinalError(_("쿠팡이 만료 요청을 처리하지 못했습니다 (FAIL)."))
    remote = _read_back(coupon, client)
    if remote.status != "EXPIRED":
        raise RetryableError(
            _("쿠팡에서 만료 처리 중입니다 (%s).") % remote.status,
            retry_after=settings.COUPANG_POLL_INTERVAL_SECONDS,
        )
    _save(
        coupon,
        local_status=Status.EXPIRED,
        expire_requested_id="",
        expire_attempted_at=None,
        last_error="",
    )
    return {"couponId": coupon.coupon_id, "status": remote.status}


def _expire_failed(job: Job, message: str) -> None:
    coupon = _coupon(job)
    fields = {"last_error": message}
    if coupon.local_status == Status.EXPIRING:
        fields["local_status"] = Status.PUSHED  # still live on Coupang
    _save(coupon, **fields)


def _run_poll(job: Job) -> dict:
    """Settle what is in flight (create, options, expire) without sending any new write."""
    coupon = _coupon(job)
    client = InstantCouponClient(job=job)
    if not coupon.coupon_id and coupon.create_requested_id:
        _step_create(coupon, client, job)  # polls the request it has; sends nothing new
    if not coupon.coupon_id:
        raise FinalError(_("쿠팡에서 이 쿠폰의 couponId를 아직 알 수 없습니다."))
    _settle_items(coupon, client, job)
    if coupon.expire_requested_id:
        status = _wait(client, job, coupon.expire_requested_id)
        _save(coupon, expire_requested_id="")
        if status.status == "FAIL":
            raise FinalError(_("쿠팡이 만료 요청을 처리하지 못했습니다 (FAIL)."))
    remote = _read_back(coupon, client)
    if remote.status == "EXPIRED":
        _save(coupon, local_status=Status.EXPIRED)
    elif coupon.local_status in (Status.DRAFT, Status.QUEUED, Status.FAILED):
        _save(coupon, local_status=Status.PUSHED)
    return {"couponId": coupon.coupon_id, "status": remote.status}


def _poll_failed(job: Job, message: str) -> None:
    _save(_coupon(job), last_error=message)


# --- reconcile ----------------------------------------------------------------------------------
def _expected_remote_status(coupon: CoupangInstantCoupon) -> tuple[str, ...]:
    if coupon.local_status in (Status.EXPIRED, Status.EXPIRING):
        return ("EXPIRED",)
    return ("STANDBY", "APPLIED")


def instant_differences(coupon: CoupangInstantCoupon, remote: InstantCoupon | None) -> dict:
    """{field: [here, on Coupang]} of what differs (name, type, discount, cap, period, wow,
    status); a coupon Coupang does not list differs in its status (`None` there)."""
    if remote is None:
        return {"status": [coupon.local_status, None]}
    here = {
        "name": coupon.name,
        "type": coupon.type,
        "discount": coupon.discount,
        "maxDiscountPrice": coupon.max_discount_price,
        "startAt": format_kst(coupon.start_at),
        "endAt": format_kst(coupon.end_at),
        "wowExclusive": coupon.wow_exclusive,
    }
    there = {
        "name": remote.name,
        "type": remote.type,
        "discount": remote.discount,
        "maxDiscountPrice": remote.max_discount_price,
        "startAt": remote.start_at and format_kst(remote.start_at),
        "endAt": remote.end_at and format_kst(remote.end_at),
        "wowExclusive": remote.wow_exclusive,
    }
    differences = {k: [here[k], there[k]] for k in here if here[k] != there[k]}
    if remote.status not in _expected_remote_status(coupon):
        differences["status"] = [coupon.local_status, remote.status]
    return differences


def _run_reconcile(job: Job) -> dict:
    client = InstantCouponClient(job=job)
    remote: dict[int, InstantCoupon] = {}
    for status in INSTANT_STATUSES:
        for coupon in client.list_instant(status):
            remote.setdefault(coupon.coupon_id, coupon)
        job_heartbeat(job, done=len(remote))
    now = timezone.now()
    local = {c.coupon_id: c for c in CoupangInstantCoupon.objects.exclude(coupon_id=None)}
    findings = []
    for coupon_id, found in sorted(remote.items()):
        mine = local.get(coupon_id)
        if mine is None:
            findings.append(
                CoupangInstantFinding(
                    kind=CoupangInstantFinding.Kind.REMOTE_ONLY,
                    remote_coupon_id=coupon_id,
                    name=found.name[:200],
                    remote_status=found.status[:20],
                    remote_payload=found.raw,
                    found_at=now,
                )
            )
            continue
        _store_remote(mine, found)
    for coupon_id, mine in sorted(local.items()):
        if mine.local_status == Status.EXPIRED and coupon_id not in remote:
            continue  # Coupang may stop listing expired coupons
        differences = instant_differences(mine, remote.get(coupon_id))
        if differences:
            found = remote.get(coupon_id)
            findings.append(
                CoupangInstantFinding(
                    kind=CoupangInstantFinding.Kind.DIFFERS,
                    remote_coupon_id=coupon_id,
                    coupon=mine,
                    name=(found.name if found else "")[:200],
                    remote_status=(found.status if found else "")[:20],
                    differences=differences,
                    remote_payload=found.raw if found else {},
                    found_at=now,
                )
            )
    with transaction.atomic():  # the findings of this run replace the last run's, at once
        CoupangInstantFinding.objects.all().delete()
        CoupangInstantFinding.objects.bulk_create(findings)
    kinds = [f.kind for f in findings]
    return {
        "listed": len(remote),
        "remoteOnly": kinds.count(CoupangInstantFinding.Kind.REMOTE_ONLY),
        "differs": kinds.count(CoupangInstantFinding.Kind.DIFFERS),
    }


# Registered with the job engine by `CoupangConfig.ready()`.
JOB_HANDLERS = [
    (TARGET_INSTANT, "push", _run_push, _push_failed),
    (TARGET_INSTANT, "add_items", _run_push, _push_failed),
    (TARGET_INSTANT, "expire", _run_expire, _expire_failed),
    (TARGET_INSTANT, "poll", _run_poll, _poll_failed),
    (TARGET_INSTANT_RECONCILE, "reconcile", _run_reconcile, None),
]


# --- mirrors of a mall promotion ----------------------------------------------------------------
KIND_INSTANT = gettext_lazy("쿠팡 즉시할인쿠폰")
KIND_DOWNLOAD = gettext_lazy("쿠팡 다운로드쿠폰")


def coupang_mirrors(promotion) -> Iterable[Mirror]:
    """The Coupang coupons (instant and downloadable) whose `promotion` is this one."""
    for coupon in CoupangInstantCoupon.objects.filter(promotion=promotion).order_by("id"):
        yield Mirror(
            kind=str(KIND_INSTANT),
            label=str(coupon),
            url=reverse("admin:marketplaces_coupanginstantcoupon_change", args=[coupon.pk]),
            status=_mirror_status(coupon),
        )
    for coupon in CoupangCoupon.objects.filter(promotion=promotion).order_by("id"):
        yield Mirror(
            kind=str(KIND_DOWNLOAD),
            label=str(coupon),
            url=reverse("admin:marketplaces_coupangcoupon_change", args=[coupon.pk]),
            status=_mirror_status(coupon),
        )


def _mirror_status(coupon) -> str:
    words = str(coupon.get_local_status_display())
    return f"{words} ({coupon.remote_status})" if coupon.remote_status else words
