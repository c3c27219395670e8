"""Every write of the marketplaces app: the sync engine, then Coupang downloadable coupons.

Sync engine
-----------
A `SyncJob` row is written in the caller's transaction (`sync_job_enqueue`); after commit it runs

- as the Celery task `marketplaces.tasks.run_sync_job` when `CELERY_BROKER_URL` is set;
- otherwise in this process, in a daemon thread (retries wait in a `threading.Timer`);
- or inline, right after commit, when `SYNC_JOBS_EAGER` is on (tests, one-shot commands).

`sync_job_run` claims a job with one conditional UPDATE, so two runners never run one job. The
handler registered for (target_type, operation) does the work: returning ends the job SUCCEEDED;
`RetryableError` schedules another attempt with exponential backoff (a 429's Retry-After wins);
`FinalError` ends it FAILED with the marketplace's message; after `max_attempts` it is DEAD with
the reason. `sync_jobs_sweep` (Celery beat, or `manage.py sync_jobs_sweep --loop`) re-runs due
jobs whose dispatch was lost and takes over RUNNING jobs whose worker died. The row is the truth:
a lost broker message or a killed process delays a job, never loses it.

Coupang downloadable coupons
----------------------------
A push is resumable step by step, each step's progress committed before the next remote call:
create the coupon, add its items (one request, 100 per entry), poll the transactions, read back.

Lost creates. Coupang has no list or search API for downloadable coupons (MARKETPLACES.md: "the
back-office is the list") and no idempotency key, so a create whose answer was lost (timeout,
connection dropped after sending, 500/502/504, or a worker that died mid-call) cannot be looked
up automatically, and sending it again could make a second coupon. So `create_attempted_at` is
committed before the POST and cleared only when the outcome is known; a job that finds it set
does not send again but parks the coupon as NEEDS_RECONCILE with the request it sent. A
merchandiser then checks WING and either links the couponId (`coupang_coupon_adopt`, which reads
the coupon back and checks it matches the request before carrying on with the items) or confirms
nothing was created (`coupang_coupon_resend_create`). Answers that prove nothing was done
(connection refused, 429, 503, any 4xx) clear the marker and retry or fail normally.

Lost item and expire requests are reconciled automatically, because those *can* be read back:
before re-sending, the job reads the coupon (`appliedOptionCount`, `couponStatus`, or
`삭제된 프로모션` when Coupang destroyed it).
"""

from __future__ import annotations

import importlib
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, close_old_connections, connections, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from coupons.errors import Conflict, DomainError

from .clients.base import FinalError, MarketplaceError, PlainFinalError, RetryableError
from .clients.coupang import (
    CoupangClient,
    CouponDestroyedError,
    CouponNotFoundError,
    CreateCouponRequest,
    Policy,
    format_kst,
)
from .models import CoupangCoupon, CoupangCouponItem, CoupangCouponPolicy, SyncJob

logger = logging.getLogger(__name__)

# Modules that register handlers; imported lazily so the registry is complete in any process.
HANDLER_MODULES = ("marketplaces.services", "marketplaces.esm_services")


# =================================================================================================
# Sync engine
# =================================================================================================
@dataclass(frozen=True)
class SyncHandler:
    run: Callable[[SyncJob], dict | None]
    on_failure: Callable[[SyncJob, str], None] | None = None


HANDLERS: dict[tuple[str, str], SyncHandler] = {}


def sync_handler(
    target_type: str, operation: str, *, on_failure: Callable[[SyncJob, str], None] | None = None
):
    """Register `fn(job) -> result dict` for (target_type, operation).

    `on_failure(job, message)` runs once when the job ends FAILED or DEAD (e.g. to show the
    failure on the target object)."""

    def register(fn):
        HANDLERS[(target_type, operation)] = SyncHandler(fn, on_failure)
        return fn

    return register


def _handler(target_type: str, operation: str) -> SyncHandler:
    key = (target_type, operation)
    if key not in HANDLERS:
        for module in HANDLER_MODULES:
            try:
                importlib.import_module(module)
            except ModuleNotFoundError as exc:
                if exc.name != module:
                    raise
    try:
        return HANDLERS[key]
    except KeyError:
        raise ValueError(f"no sync handler for {target_type}/{operation}") from None


def sync_job_enqueue(
    *,
    target_type: str,
    target_id: str | int,
    operation: str,
    payload: dict | None = None,
    user=None,
    max_attempts: int | None = None,
    progress_total: int = 0,
) -> SyncJob:
    """Write a PENDING job in the caller's transaction and run it after commit.

    Raises Conflict when the target already has a PENDING or RUNNING job."""
    _handler(target_type, operation)
    try:
        with transaction.atomic():
            job = SyncJob.objects.create(
                target_type=target_type,
                target_id=str(target_id),
                operation=operation,
                payload=payload or {},
                created_by=user if getattr(user, "pk", None) else None,
                max_attempts=max_attempts or settings.SYNC_JOB_MAX_ATTEMPTS,
                next_attempt_at=timezone.now(),
                progress_total=progress_total,
            )
    except IntegrityError:
        open_job = SyncJob.objects.filter(
            target_type=target_type, target_id=str(target_id), status__in=SyncJob.OPEN_STATUSES
        ).first()
        raise Conflict(
            _("이 대상에는 진행 중인 동기화 작업(#%(id)s)이 있습니다. 끝난 뒤 다시 시도하세요.")
            % {"id": open_job.pk if open_job else "?"},
            code="SYNC_JOB_OPEN",
        ) from None
    transaction.on_commit(partial(_dispatch, job.pk, 0.0))
    return job


def _dispatch(job_id: int, delay: float) -> None:
    """Hand a job to whoever runs jobs in this deployment (read at call time)."""
    if settings.CELERY_BROKER_URL:
        from .tasks import run_sync_job

        try:
            run_sync_job.apply_async(args=[job_id], countdown=delay or None)
        except Exception:  # broker down: the row stays PENDING and the sweep picks it up
            logger.exception("could not send sync job %s to the broker", job_id)
        return
    if settings.SYNC_JOBS_EAGER:
        sync_job_run_to_end(job_id)
        return
    timer = threading.Timer(delay, _run_in_thread, args=[job_id])
    timer.daemon = True
    timer.start()


def _run_in_thread(job_id: int) -> None:
    try:
        close_old_connections()
        sync_job_run(job_id)
    except Exception:
        logger.exception("sync job %s crashed its runner thread", job_id)
    finally:
        connections.close_all()  # this thread's connections only


def _worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}:{uuid.uuid4().hex[:6]}"


def _backoff(attempts: int, retry_after: float | None) -> float:
    if retry_after is not None:
        return min(float(retry_after), settings.SYNC_JOB_BACKOFF_MAX_SECONDS)
    delay = settings.SYNC_JOB_BACKOFF_SECONDS * (2 ** max(0, attempts - 1))
    return min(delay, settings.SYNC_JOB_BACKOFF_MAX_SECONDS)


def sync_job_run(job_id: int, *, reschedule: bool = True) -> SyncJob:
    """Claim the job and run one attempt; returns the job as it stands afterwards.

    Does nothing (returns the job unchanged) unless the job is PENDING and due, or RUNNING with a
    stale lock. With `reschedule`, a retry is dispatched after its backoff."""
    now = timezone.now()
    worker = _worker_name()
    stale_before = now - timedelta(seconds=settings.SYNC_JOB_STALE_SECONDS)
    claimed = (
        SyncJob.objects.filter(pk=job_id)
        .filter(
            Q(status=SyncJob.Status.PENDING, next_attempt_at__lte=now)
            | Q(status=SyncJob.Status.RUNNING, locked_at__lt=stale_before)
        )
        .update(
            status=SyncJob.Status.RUNNING,
            locked_at=now,
            locked_by=worker,
            attempts=F("attempts") + 1,
            updated_at=now,
        )
    )
    job = SyncJob.objects.get(pk=job_id)
    if not claimed:
        return job
    try:
        handler = _handler(job.target_type, job.operation)
    except ValueError as exc:  # a job from a newer/older release this process cannot run
        return _finish(job, SyncHandler(run=lambda j: None), SyncJob.Status.FAILED, error=str(exc))
    if job.attempts > job.max_attempts:  # its runners keep dying mid-attempt
        return _finish(
            job,
            handler,
            SyncJob.Status.DEAD,
            error=_("%(n)s회 시도 후 중단: 작업자가 응답 없이 중단되었습니다.")
            % {"n": job.max_attempts},
        )
    try:
        result = handler.run(job) or {}
    except FinalError as exc:
        return _finish(job, handler, SyncJob.Status.FAILED, error=exc.message)
    except (RetryableError, Exception) as exc:
        if not isinstance(exc, MarketplaceError):
            logger.exception("sync job %s: unexpected error", job_id)
        message = exc.message if isinstance(exc, MarketplaceError) else _("내부 오류: %s") % exc
        if job.attempts >= job.max_attempts:
            return _finish(
                job,
                handler,
                SyncJob.Status.DEAD,
                error=_("%(n)s회 시도 후 중단: %(reason)s")
                % {"n": job.attempts, "reason": message},
            )
        delay = _backoff(job.attempts, getattr(exc, "retry_after", None))
        updated = SyncJob.objects.filter(pk=job.pk, locked_by=worker).update(
            status=SyncJob.Status.PENDING,
            last_error=message,
            locked_at=None,
            locked_by="",
            next_attempt_at=timezone.now() + timedelta(seconds=delay),
            updated_at=timezone.now(),
        )
        job.refresh_from_db()
        if updated and reschedule:
            _dispatch(job.pk, delay)
        return job
    return _finish(job, handler, SyncJob.Status.SUCCEEDED, result=result)


def _finish(
    job: SyncJob, handler: SyncHandler, status: str, *, error: str = "", result: dict | None = None
) -> SyncJob:
    now = timezone.now()
    fields = {
        "status": status,
        "locked_at": None,
        "locked_by": "",
        "next_attempt_at": None,
        "finished_at": now,
        "updated_at": now,
        "last_error": error,
    }
    if result is not None:
        fields["result"] = result
    updated = SyncJob.objects.filter(pk=job.pk, locked_by=job.locked_by).update(**fields)
    job.refresh_from_db()
    if updated and status != SyncJob.Status.SUCCEEDED and handler.on_failure:
        try:
            handler.on_failure(job, error)
        except Exception:
            logger.exception("sync job %s: on_failure hook failed", job.pk)
    return job


def sync_job_run_to_end(job_id: int) -> SyncJob:
    """Run a job inline, waiting out its retries, until it is no longer PENDING (eager mode)."""
    job = sync_job_run(job_id, reschedule=False)
    while job.status == SyncJob.Status.PENDING:
        wait = (job.next_attempt_at - timezone.now()).total_seconds() if job.next_attempt_at else 0
        time.sleep(max(0.0, wait))
        job = sync_job_run(job_id, reschedule=False)
    return job


def sync_job_heartbeat(job: SyncJob, *, done: int | None = None, total: int | None = None) -> None:
    """Keep a long job's lock fresh (and record progress) so the sweep does not take it over.

    Raises RetryableError if another runner has taken the job over."""
    now = timezone.now()
    fields = {"locked_at": now, "updated_at": now}
    if done is not None:
        fields["progress_done"] = done
    if total is not None:
        fields["progress_total"] = total
    if not SyncJob.objects.filter(
        pk=job.pk, locked_by=job.locked_by, status=SyncJob.Status.RUNNING
    ).update(**fields):
        raise RetryableError(_("다른 작업자가 이 작업을 넘겨받았습니다."))
    for name, value in fields.items():
        setattr(job, name, value)


def sync_jobs_sweep(*, inline: bool | None = None) -> list[int]:
    """Dispatch due PENDING jobs whose run was lost and RUNNING jobs whose worker died.

    Returns the ids dispatched. `inline` runs them here (default: when there is no broker)."""
    now = timezone.now()
    grace = timedelta(seconds=settings.SYNC_SWEEP_GRACE_SECONDS)
    stale_before = now - timedelta(seconds=settings.SYNC_JOB_STALE_SECONDS)
    ids = list(
        SyncJob.objects.filter(
            Q(status=SyncJob.Status.PENDING, next_attempt_at__lte=now - grace)
            | Q(status=SyncJob.Status.RUNNING, locked_at__lt=stale_before)
        )
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:500]
    )
    if inline is None:
        inline = not settings.CELERY_BROKER_URL
    for job_id in ids:
        if inline:
            sync_job_run(job_id)
        else:
            _dispatch(job_id, 0.0)
    return ids


def sync_jobs_start_sweeper(interval: float = 60.0) -> threading.Thread:
    """Sweep every `interval` seconds in a daemon thread: the in-process stand-in for Celery beat
    (for `manage.py serve` without a broker)."""

    def loop():
        while True:
            time.sleep(interval)
            try:
                close_old_connections()
                sync_jobs_sweep(inline=True)
            except Exception:
                logger.exception("sync sweep failed")
            finally:
                connections.close_all()

    thread = threading.Thread(target=loop, name="sync-sweeper", daemon=True)
    thread.start()
    return thread


# =================================================================================================
# Coupang downloadable coupons
# =================================================================================================
TARGET_COUPANG_COUPON = "coupang.coupon"
CREATE_LEAD_TIME = timedelta(hours=1)
Status = CoupangCoupon.LocalStatus

# Model field -> the name used in MARKETPLACES.md / the REST API, for error mapping.
API_FIELD_NAMES = {
    "title": "title",
    "contract_id": "contractId",
    "start_at": "startDate",
    "end_at": "endDate",
    "wing_user_id": "userId",
    "policies": "policies",
    "items": "vendorItemIds",
    "promotion": "promoNo",
}


# --- local rules (everything MARKETPLACES.md lists that can be checked before sending) ----------
def coupang_policies_validate(
    policies: list[CoupangCouponPolicy], *, check_rows: bool = True
) -> None:
    """1–3 policies of one typeOfDiscount, each valid on its own. Raises ValidationError."""
    errors: list[str] = []
    if not 1 <= len(policies) <= 3:
        errors.append(_("정책은 1~3개여야 합니다 (현재 %(n)s개).") % {"n": len(policies)})
    kinds = {p.type_of_discount for p in policies}
    if len(kinds) > 1:
        errors.append(_("한 쿠폰의 정책은 모두 같은 할인 유형(PRICE 또는 RATE)이어야 합니다."))
    for index, policy in enumerate(policies if check_rows else []):
        try:
            policy.clean()
        except ValidationError as exc:
            for _field, messages in exc.message_dict.items():
                errors += [
                    _("정책 %(n)s: %(message)s") % {"n": index + 1, "message": m} for m in messages
                ]
    if errors:
        raise ValidationError({"policies": errors})


def coupang_items_validate(
    vendor_item_ids: Iterable[int],
    *,
    coupon: CoupangCoupon | None = None,
    released: Iterable[int] = (),
) -> None:
    """At least one vendor item, no repeats, none held by another live coupon (CIR14).

    `released` are coupon ids whose claims are being given up in the same transaction."""
    ids = list(vendor_item_ids)
    errors = []
    if not ids:
        errors.append(_("옵션 ID(vendorItemId)를 하나 이상 입력하세요."))
    if any(not isinstance(i, int) or i <= 0 for i in ids):
        errors.append(_("옵션 ID는 양의 정수여야 합니다."))
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        errors.append(_("옵션 ID가 중복되었습니다: %s") % ", ".join(map(str, duplicates)))
    taken = CoupangCouponItem.objects.filter(active=True, vendor_item_id__in=ids)
    if coupon is not None and coupon.pk:
        taken = taken.exclude(coupon=coupon)
    taken = taken.exclude(coupon_id__in=list(released)).select_related("coupon")
    for item in taken.order_by("vendor_item_id"):
        errors.append(
            _("옵션 %(item)s은(는) 이미 다른 쿠폰(#%(id)s %(title)s)에 등록되어 있습니다.")
            % {"item": item.vendor_item_id, "id": item.coupon_id, "title": item.coupon.title}
        )
    if errors:
        raise ValidationError({"items": errors})


def coupang_schedule_validate(
    start_at: datetime | None, end_at: datetime | None, *, now: datetime | None = None
) -> None:
    """Start at least an hour after now (Coupang shows a coupon an hour after creation), end after
    start. Raises ValidationError."""
    now = now or timezone.now()
    errors = {}
    if start_at and start_at < now + CREATE_LEAD_TIME:
        errors["start_at"] = _("시작 일시는 지금부터 1시간 이후여야 합니다 (%(min)s 이후).") % {
            "min": format_kst(now + CREATE_LEAD_TIME)
        }
    if start_at and end_at and end_at <= start_at:
        errors["end_at"] = _("종료 일시는 시작 일시 이후여야 합니다.")
    if errors:
        raise ValidationError(errors)


def _collect(errors: dict, fn, *args, **kwargs) -> None:
    try:
        fn(*args, **kwargs)
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, []).extend(messages)


def coupang_coupon_validate(
    coupon: CoupangCoupon,
    policies: list[CoupangCouponPolicy],
    vendor_item_ids: list[int],
    *,
    released: Iterable[int] = (),
) -> None:
    """Every local rule for a coupon about to be saved or sent; one ValidationError with all."""
    errors: dict[str, list] = {}
    _collect(errors, coupon.clean)
    _collect(errors, coupang_schedule_validate, coupon.start_at, coupon.end_at)
    _collect(errors, coupang_policies_validate, policies)
    _collect(errors, coupang_items_validate, vendor_item_ids, coupon=coupon, released=released)
    if errors:
        raise ValidationError(errors)


# --- services called by the admin, the API and commands -----------------------------------------
@transaction.atomic
def coupang_coupon_create(
    *,
    user,
    title: str,
    start_at: datetime,
    end_at: datetime,
    policies: list[dict],
    vendor_item_ids: list[int],
    contract_id: int | None = None,
    wing_user_id: str = "",
    promotion=None,
    replaces: CoupangCoupon | None = None,
) -> CoupangCoupon:
    """Save a DRAFT coupon with its policies and items after every local rule; returns it.

    Raises ValidationError (field errors keyed by model field, `policies`, `items`)."""
    coupon = CoupangCoupon(
        title=title,
        contract_id=contract_id,
        start_at=start_at,
        end_at=end_at,
        wing_user_id=wing_user_id,
        promotion=promotion,
        replaces=replaces,
        created_by=user if getattr(user, "pk", None) else None,
    )
    policy_rows = [CoupangCouponPolicy(position=i + 1, **p) for i, p in enumerate(policies)]
    released = [replaces.pk] if replaces else []
    coupang_coupon_validate(coupon, policy_rows, list(vendor_item_ids), released=released)
    coupon.save()
    for policy in policy_rows:
        policy.coupon = coupon
    CoupangCouponPolicy.objects.bulk_create(policy_rows)
    CoupangCouponItem.objects.bulk_create(
        [CoupangCouponItem(coupon=coupon, vendor_item_id=i) for i in vendor_item_ids]
    )
    return coupon


def _locked(coupon: CoupangCoupon) -> CoupangCoupon:
    return CoupangCoupon.objects.select_for_update().get(pk=coupon.pk)


@transaction.atomic
def coupang_coupon_push(*, coupon: CoupangCoupon, user) -> SyncJob:
    """Queue "Create on Coupang" (create, add items, poll, read back); returns the job.

    Checks every local rule first so nothing invalid is sent. Raises ValidationError or
    DomainError."""
    coupon = _locked(coupon)
    if coupon.local_status == Status.NEEDS_RECONCILE:
        raise DomainError(
            _(
                "이전 생성 요청의 결과를 알 수 없습니다. WING에서 확인한 뒤 couponId를 "
                "연결하거나 '생성되지 않음 확인 후 재전송'을 실행하세요."
            ),
            code="NEEDS_RECONCILE",
        )
    if coupon.local_status in (Status.PUSHED, Status.EXPIRING, Status.EXPIRED):
        raise DomainError(
            _("이미 쿠팡에 반영된 쿠폰입니다 (%(status)s).")
            % {"status": coupon.get_local_status_display()},
            code="ALREADY_PUSHED",
        )
    policies = list(coupon.policies.all())
    item_ids = list(coupon.items.filter(active=True).values_list("vendor_item_id", flat=True))
    if coupon.local_status == Status.DESTROYED:
        # Coupang destroyed the old coupon; this push creates a new one with the current items.
        coupon.destroyed_coupon_ids = [*coupon.destroyed_coupon_ids, coupon.coupon_id]
        coupon.coupon_id = None
        coupon.remote_status = ""
        coupon.items.update(
            status=CoupangCouponItem.Status.PENDING, transaction_id="", failure_reason=""
        )
    if not coupon.coupon_id:
        coupang_coupon_validate(coupon, policies, item_ids)
    coupon.local_status = Status.QUEUED
    coupon.last_error = ""
    coupon.save()
    return sync_job_enqueue(
        target_type=TARGET_COUPANG_COUPON, target_id=coupon.pk, operation="push", user=user
    )


@transaction.atomic
def coupang_coupon_expire(*, coupon: CoupangCoupon, user) -> SyncJob:
    """Queue "Expire on Coupang"; returns the job. Raises DomainError unless the coupon is live."""
    coupon = _locked(coupon)
    if not coupon.coupon_id or coupon.local_status in (
        Status.DESTROYED,
        Status.EXPIRED,
        Status.EXPIRING,
    ):
        raise DomainError(_("쿠팡에 살아 있는 쿠폰만 만료할 수 있습니다."), code="NOT_LIVE")
    coupon.local_status = Status.EXPIRING
    coupon.save(update_fields=["local_status", "updated_at"])
    return sync_job_enqueue(
        target_type=TARGET_COUPANG_COUPON, target_id=coupon.pk, operation="expire", user=user
    )


@transaction.atomic
def coupang_coupon_refresh(*, coupon: CoupangCoupon, user) -> SyncJob:
    """Queue "Refresh from Coupang" (read the coupon back); returns the job."""
    if not coupon.coupon_id:
        raise DomainError(_("쿠팡 couponId가 없는 쿠폰입니다."), code="NOT_CREATED")
    return sync_job_enqueue(
        target_type=TARGET_COUPANG_COUPON, target_id=coupon.pk, operation="refresh", user=user
    )


@transaction.atomic
def coupang_coupon_replace_items(
    *, coupon: CoupangCoupon, vendor_item_ids: list[int], user, start_at: datetime | None = None
) -> CoupangCoupon:
    """Replace a live coupon's items: a new coupon with the same terms and the new items, linked
    to the old one; one job expires the old coupon on Coupang and then creates the new one.

    Returns the new coupon. Raises ValidationError or DomainError."""
    old = _locked(coupon)
    if not old.coupon_id or old.local_status != Status.PUSHED:
        raise DomainError(_("쿠팡에 반영된 쿠폰만 옵션을 교체할 수 있습니다."), code="NOT_LIVE")
    if SyncJob.objects.filter(
        target_type=TARGET_COUPANG_COUPON, target_id=str(old.pk), status__in=SyncJob.OPEN_STATUSES
    ).exists():
        raise Conflict(_("이 쿠폰에 진행 중인 동기화 작업이 있습니다."), code="SYNC_JOB_OPEN")
    if start_at is None:
        earliest = timezone.now() + CREATE_LEAD_TIME + timedelta(minutes=5)
        start_at = max(old.start_at, earliest.replace(second=0, microsecond=0))
    policies = [
        {
            f: getattr(p, f)
            for f in (
                "title",
                "type_of_discount",
                "description",
                "minimum_price",
                "discount",
                "maximum_discount_price",
                "maximum_per_daily",
            )
        }
        for p in old.policies.all()
    ]
    # The old coupon gives up its items now, so the new one can claim them locally (a refusal
    # below rolls this back with everything else).
    old.items.update(active=False)
    new = coupang_coupon_create(
        user=user,
        title=old.title,
        start_at=start_at,
        end_at=old.end_at,
        policies=policies,
        vendor_item_ids=vendor_item_ids,
        contract_id=old.contract_id,
        wing_user_id=old.wing_user_id,
        promotion=old.promotion,
        replaces=old,
    )
    old.local_status = Status.EXPIRING
    old.save(update_fields=["local_status", "updated_at"])
    new.local_status = Status.QUEUED
    new.save(update_fields=["local_status", "updated_at"])
    sync_job_enqueue(
        target_type=TARGET_COUPANG_COUPON,
        target_id=new.pk,
        operation="replace",
        payload={"replaces": old.pk},
        user=user,
    )
    return new


@transaction.atomic
def coupang_coupon_adopt(*, coupon: CoupangCoupon, coupon_id: int, user) -> SyncJob:
    """Reconcile a lost create by linking the couponId found in WING; the job reads it back,
    checks it matches the request that was sent, then carries on with the items."""
    coupon = _locked(coupon)
    if coupon.local_status != Status.NEEDS_RECONCILE:
        raise DomainError(_("생성 여부 확인이 필요한 쿠폰이 아닙니다."), code="NOT_RECONCILING")
    if CoupangCoupon.objects.filter(coupon_id=coupon_id).exclude(pk=coupon.pk).exists():
        raise ValidationError({"coupon_id": _("이미 다른 쿠폰에 연결된 couponId입니다.")})
    coupon.coupon_id = coupon_id
    coupon.local_status = Status.QUEUED
    coupon.last_error = ""
    coupon.save()
    return sync_job_enqueue(
        target_type=TARGET_COUPANG_COUPON,
        target_id=coupon.pk,
        operation="push",
        payload={"adopted": coupon_id},
        user=user,
    )


@transaction.atomic
def coupang_coupon_resend_create(*, coupon: CoupangCoupon, user) -> SyncJob:
    """Reconcile a lost create the other way: the user confirmed in WING that no coupon was made,
    so the create may be sent again; returns the push job."""
    coupon = _locked(coupon)
    if coupon.local_status != Status.NEEDS_RECONCILE:
        raise DomainError(_("생성 여부 확인이 필요한 쿠폰이 아닙니다."), code="NOT_RECONCILING")
    coupon.create_attempted_at = None
    coupon.local_status = Status.FAILED
    coupon.save()
    return coupang_coupon_push(coupon=coupon, user=user)


# --- the jobs -----------------------------------------------------------------------------------
def _save(coupon: CoupangCoupon, **fields) -> None:
    for name, value in fields.items():
        setattr(coupon, name, value)
    coupon.save(update_fields=[*fields, "updated_at"])


def _store_remote(coupon: CoupangCoupon, remote) -> None:
    status = (
        remote.coupon_status if remote.coupon_status in CoupangCoupon.RemoteStatus.values else ""
    )
    _save(coupon, remote_status=status, remote_payload=remote.raw, remote_synced_at=timezone.now())


def _mark_destroyed(coupon: CoupangCoupon, message: str) -> None:
    _save(
        coupon,
        local_status=Status.DESTROYED,
        remote_status=CoupangCoupon.RemoteStatus.DETACHED,
        last_error=message,
        remote_synced_at=timezone.now(),
    )


def _wait_transaction(client: CoupangClient, job: SyncJob, transaction_id: str):
    """Poll a request transaction until DONE/FAIL; RetryableError if it is still REQUESTED."""
    for _attempt in range(max(1, settings.COUPANG_POLL_MAX)):
        status = client.transaction_status(transaction_id)
        if not status.pending:
            return status
        sync_job_heartbeat(job)
        time.sleep(settings.COUPANG_POLL_INTERVAL_SECONDS)
    raise RetryableError(
        _("쿠팡이 요청(%s)을 아직 처리 중입니다.") % transaction_id,
        retry_after=settings.COUPANG_POLL_INTERVAL_SECONDS,
    )


def _create_request(coupon: CoupangCoupon, client: CoupangClient) -> CreateCouponRequest:
    return CreateCouponRequest(
        title=coupon.title,
        contract_id=coupon.contract_id or client.default_contract_id(),
        start_at=coupon.start_at.replace(microsecond=0),
        end_at=coupon.end_at.replace(microsecond=0),
        user_id=coupon.wing_user_id or settings.COUPANG_WING_USER_ID,
        policies=[
            Policy(
                title=p.title,
                type_of_discount=p.type_of_discount,
                description=p.description,
                minimum_price=p.minimum_price,
                discount=p.discount,
                maximum_discount_price=p.maximum_discount_price,
                maximum_per_daily=p.maximum_per_daily,
            )
            for p in coupon.policies.all()
        ],
    )


def _lost_create_message(coupon: CoupangCoupon) -> str:
    return _(
        "쿠팡의 생성 응답을 받지 못해 쿠폰이 만들어졌는지 알 수 없습니다 (요청 시각 %(at)s, 쿠폰명 "
        "'%(title)s'). 중복 생성을 막기 위해 다시 보내지 않았습니다. WING에서 확인한 뒤 couponId를 "
        "연결하거나, 생성되지 않았다면 재전송하세요."
    ) % {"at": format_kst(coupon.create_attempted_at or timezone.now()), "title": coupon.title}


def _step_create(coupon: CoupangCoupon, client: CoupangClient) -> None:
    if coupon.create_attempted_at:
        # A previous attempt sent the create and never learned its outcome: do not send again.
        _save(coupon, local_status=Status.NEEDS_RECONCILE, last_error=_lost_create_message(coupon))
        raise PlainFinalError(coupon.last_error)
    request = _create_request(coupon, client)
    body = request.as_request()
    _save(coupon, create_attempted_at=timezone.now(), create_request=body)  # committed: no atomic
    try:
        created = client.create_coupon(request)
    except RetryableError as exc:
        if exc.outcome_unknown:
            _save(
                coupon,
                local_status=Status.NEEDS_RECONCILE,
                last_error=f"{_lost_create_message(coupon)} ({exc.message})",
            )
            raise PlainFinalError(coupon.last_error) from exc
        _save(coupon, create_attempted_at=None)  # certainly not applied: safe to send again
        raise
    except FinalError:
        _save(coupon, create_attempted_at=None)
        raise
    _save(
        coupon,
        coupon_id=created.coupon_id,
        create_attempted_at=None,
        remote_status=created.coupon_status
        if created.coupon_status in CoupangCoupon.RemoteStatus.values
        else "",
        remote_payload=created.raw,
        remote_synced_at=timezone.now(),
    )
    for policy, remote in zip(
        coupon.policies.order_by("position", "id"), created.policies, strict=False
    ):
        if remote.manage_code:
            CoupangCouponPolicy.objects.filter(pk=policy.pk).update(manage_code=remote.manage_code)


def _verify_adopted(coupon: CoupangCoupon, client: CoupangClient) -> None:
    """The couponId a person linked must be the coupon our lost create made."""
    try:
        remote = client.get_coupon(coupon.coupon_id)
    except (CouponNotFoundError, CouponDestroyedError) as exc:
        _save(coupon, coupon_id=None, local_status=Status.NEEDS_RECONCILE, last_error=exc.message)
        raise
    sent = coupon.create_request or {}
    expected = (
        sent.get("title"),
        sent.get("startDate"),
        sent.get("endDate"),
        [
            (p.get("typeOfDiscount"), p.get("discount"), p.get("minimumPrice"))
            for p in sent.get("policies", [])
        ],
    )
    found = (
        remote.title,
        remote.start_at and format_kst(remote.start_at),
        remote.end_at and format_kst(remote.end_at),
        [(p.type_of_discount, p.discount, p.minimum_price) for p in remote.policies],
    )
    if expected != found:
        message = _(
            "couponId %(id)s의 쿠폰은 이 쿠폰의 생성 요청과 다릅니다 (쿠폰명·기간·정책 비교)."
        ) % {"id": coupon.coupon_id}
        _save(coupon, coupon_id=None, local_status=Status.NEEDS_RECONCILE, last_error=message)
        raise PlainFinalError(message)
    _store_remote(coupon, remote)
    _save(coupon, create_attempted_at=None)


def _step_items(coupon: CoupangCoupon, client: CoupangClient, job: SyncJob) -> None:
    items = list(coupon.items.filter(active=True).order_by("id"))
    if items and all(i.status != CoupangCouponItem.Status.PENDING for i in items):
        return  # already requested
    user_id = coupon.wing_user_id or settings.COUPANG_WING_USER_ID
    reconciling = coupon.items_requested_at is not None
    if reconciling:
        # The previous add's answer was lost. Read the coupon until its items show (the add landed
        # and settled) or the polling time is up (it probably never arrived: send it again).
        for _poll in range(max(1, settings.COUPANG_POLL_MAX)):
            remote = client.get_coupon(coupon.coupon_id)  # CouponDestroyedError: the add failed
            if (remote.applied_option_count or 0) >= len(items):
                _store_remote(coupon, remote)
                CoupangCouponItem.objects.filter(pk__in=[i.pk for i in items]).update(
                    status=CoupangCouponItem.Status.DONE
                )
                _save(coupon, items_requested_at=None)
                return
            sync_job_heartbeat(job)
            time.sleep(settings.COUPANG_POLL_INTERVAL_SECONDS)
    ids = [i.vendor_item_id for i in items]
    _save(coupon, items_requested_at=timezone.now())
    try:
        results = client.add_items(coupon.coupon_id, ids, user_id=user_id)
    except RetryableError as exc:
        if not exc.outcome_unknown:
            _save(coupon, items_requested_at=None)
        raise
    except FinalError:
        _save(coupon, items_requested_at=None)
        raise
    failed = [r for r in results if not r.succeeded]
    if failed and reconciling:
        # Coupang refuses a second add while it holds one for this coupon (ours, whose answer was
        # lost and is not settled yet): read the coupon again on the next attempt.
        raise RetryableError(
            _("이전 옵션 등록 요청을 쿠팡이 처리 중입니다."),
            retry_after=settings.COUPANG_POLL_INTERVAL_SECONDS,
        )
    if failed:
        _save(coupon, items_requested_at=None)
        message = "; ".join(r.error_message for r in failed if r.error_message) or _(
            "옵션 등록 실패"
        )
        if "삭제된 프로모션" in message:
            _mark_destroyed(coupon, message)
        raise FinalError(message)
    for index, result in enumerate(results):
        chunk = items[index * 100 : (index + 1) * 100]
        CoupangCouponItem.objects.filter(pk__in=[i.pk for i in chunk]).update(
            status=CoupangCouponItem.Status.REQUESTED, transaction_id=result.transaction_id
        )
    _save(coupon, items_requested_at=None)


def _step_poll_items(coupon: CoupangCoupon, client: CoupangClient, job: SyncJob) -> None:
    requested = coupon.items.filter(active=True, status=CoupangCouponItem.Status.REQUESTED)
    for transaction_id in sorted(set(requested.values_list("transaction_id", flat=True))):
        status = _wait_transaction(client, job, transaction_id)
        rows = coupon.items.filter(transaction_id=transaction_id)
        if status.status == "DONE":
            rows.update(status=CoupangCouponItem.Status.DONE)
            continue
        for item in rows:
            reason = status.failures.get(item.vendor_item_id, "")
            item.status = CoupangCouponItem.Status.FAILED if reason else item.status
            item.failure_reason = reason
            item.save(update_fields=["status", "failure_reason"])
        reasons = sorted(set(status.failures.values())) or [_("옵션 등록이 실패했습니다 (FAIL).")]
        # Coupang destroys a coupon whose items could not be attached.
        _mark_destroyed(coupon, "; ".join(reasons))
        raise FinalError("; ".join(reasons))


def _step_read_back(coupon: CoupangCoupon, client: CoupangClient) -> None:
    remote = client.get_coupon(coupon.coupon_id)
    _store_remote(coupon, remote)
    _save(coupon, local_status=Status.PUSHED, last_error="")


def _push(coupon: CoupangCoupon, client: CoupangClient, job: SyncJob) -> dict:
    if job.payload.get("adopted") and coupon.create_attempted_at:
        _verify_adopted(coupon, client)
    if not coupon.coupon_id:
        _step_create(coupon, client)
    try:
        _step_items(coupon, client, job)
        _step_poll_items(coupon, client, job)
        _step_read_back(coupon, client)
    except CouponDestroyedError as exc:
        _mark_destroyed(coupon, exc.message)
        raise
    return {"couponId": coupon.coupon_id, "couponStatus": coupon.remote_status}


def _coupon(job: SyncJob) -> CoupangCoupon:
    return CoupangCoupon.objects.get(pk=int(job.target_id))


def _push_failed(job: SyncJob, message: str) -> None:
    coupon = _coupon(job)
    if coupon.local_status == Status.QUEUED:
        _save(coupon, local_status=Status.FAILED, last_error=message)
    elif not coupon.last_error:
        _save(coupon, last_error=message)


@sync_handler(TARGET_COUPANG_COUPON, "push", on_failure=_push_failed)
def _run_push(job: SyncJob) -> dict:
    return _push(_coupon(job), CoupangClient(job=job), job)


def _expire(coupon: CoupangCoupon, client: CoupangClient, job: SyncJob) -> dict:
    try:
        remote = client.get_coupon(coupon.coupon_id)  # reconcile: maybe a lost expire landed
    except CouponDestroyedError as exc:
        _mark_destroyed(coupon, exc.message)
        coupon.items.update(active=False)
        return {"couponId": coupon.coupon_id, "couponStatus": "DETACHED"}
    if remote.coupon_status not in ("EXPIRING", "EXPIRED") and not coupon.expire_transaction_id:
        user_id = coupon.wing_user_id or settings.COUPANG_WING_USER_ID
        results = client.expire(coupon.coupon_id, user_id=user_id)
        result = results[0] if results else None
        if result is None or not result.succeeded:
            raise FinalError(result.error_message if result else _("만료 요청이 거절되었습니다."))
        _save(coupon, expire_transaction_id=result.transaction_id)
    if coupon.expire_transaction_id:
        status = _wait_transaction(client, job, coupon.expire_transaction_id)
        if status.status == "FAIL":
            _save(coupon, expire_transaction_id="")
            raise FinalError(_("쿠팡이 만료 요청을 처리하지 못했습니다 (FAIL)."))
    remote = client.get_coupon(coupon.coupon_id)
    _store_remote(coupon, remote)
    if remote.coupon_status != "EXPIRED":
        raise RetryableError(
            _("쿠팡에서 만료 처리 중입니다 (%s).") % remote.coupon_status,
            retry_after=settings.COUPANG_POLL_INTERVAL_SECONDS,
        )
    _save(coupon, local_status=Status.EXPIRED, expire_transaction_id="", last_error="")
    coupon.items.update(active=False)
    return {"couponId": coupon.coupon_id, "couponStatus": remote.coupon_status}


def _expire_failed(job: SyncJob, message: str) -> None:
    coupon = _coupon(job)
    fields = {"last_error": message}
    if coupon.local_status == Status.EXPIRING:
        fields["local_status"] = Status.PUSHED  # still live on Coupang
    _save(coupon, **fields)


@sync_handler(TARGET_COUPANG_COUPON, "expire", on_failure=_expire_failed)
def _run_expire(job: SyncJob) -> dict:
    return _expire(_coupon(job), CoupangClient(job=job), job)


def _refresh_failed(job: SyncJob, message: str) -> None:
    _save(_coupon(job), last_error=message)


@sync_handler(TARGET_COUPANG_COUPON, "refresh", on_failure=_refresh_failed)
def _run_refresh(job: SyncJob) -> dict:
    coupon = _coupon(job)
    try:
        remote = CoupangClient(job=job).get_coupon(coupon.coupon_id)
    except CouponDestroyedError as exc:
        _mark_destroyed(coupon, exc.message)
        return {"couponId": coupon.coupon_id, "couponStatus": "DETACHED"}
    _store_remote(coupon, remote)
    if remote.coupon_status == "EXPIRED" and coupon.local_status != Status.EXPIRED:
        _save(coupon, local_status=Status.EXPIRED)
        coupon.items.update(active=False)
    return {"couponId": coupon.coupon_id, "couponStatus": remote.coupon_status}


def _replace_failed(job: SyncJob, message: str) -> None:
    _push_failed(job, message)
    old = CoupangCoupon.objects.filter(pk=job.payload.get("replaces")).first()
    if old and old.local_status == Status.EXPIRING:
        _save(old, last_error=message)


@sync_handler(TARGET_COUPANG_COUPON, "replace", on_failure=_replace_failed)
def _run_replace(job: SyncJob) -> dict:
    """Expire the old coupon (its items are released only then), then create the new one."""
    client = CoupangClient(job=job)
    old = CoupangCoupon.objects.get(pk=job.payload["replaces"])
    if old.local_status != Status.EXPIRED:
        _expire(old, client, job)
    result = _push(_coupon(job), client, job)
    return {**result, "replaced": old.coupon_id}
