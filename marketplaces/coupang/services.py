"""Every write of Coupang downloadable coupons, and the job handlers that send them.

A push is resumable step by step, each step's progress committed before the next remote call:
create the coupon, add its items (one call per 100 items at most, each call's transaction polled
and recorded before the next call), read back.

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

import time
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from backoffice.jobs.models import Job
from backoffice.jobs.services import job_enqueue, job_heartbeat
from coupons.errors import Conflict, DomainError
from marketplaces.http import FinalError, PlainFinalError, RetryableError
from marketplaces.rules import check_all

from . import rules
from .client import (
    DESTROYED_MARK,
    MAX_ITEMS_PER_CALL,
    CoupangClient,
    CouponDestroyedError,
    CouponNotFoundError,
    CreateCouponRequest,
    Policy,
    format_kst,
)
from .models import CoupangCoupon, CoupangCouponItem, CoupangCouponPolicy

TARGET_COUPANG_COUPON = "coupang.coupon"
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
    "confirm": "confirm",
}


# --- the rules, with what they need from other rows ----------------------------------------------
def coupang_policies_validate(
    policies: list[CoupangCouponPolicy], *, check_rows: bool = True
) -> None:
    """1–3 policies of one typeOfDiscount, each valid on its own. Raises ValidationError."""
    check_all(
        (rules.policy_count, policies),
        (rules.one_discount_type, policies),
        (rules.policy_rows, policies if check_rows else []),
    )


def coupang_items_validate(
    vendor_item_ids: Iterable[int],
    *,
    coupon: CoupangCoupon | None = None,
    released: Iterable[int] = (),
) -> None:
    """At least one vendor item, no repeats, none held by another live coupon (CIR14).

    `released` are coupon ids whose claims are being given up in the same transaction."""
    ids = list(vendor_item_ids)
    taken = CoupangCouponItem.objects.filter(active=True, vendor_item_id__in=ids)
    if coupon is not None and coupon.pk:
        taken = taken.exclude(coupon=coupon)
    taken = taken.exclude(coupon_id__in=list(released)).order_by("vendor_item_id")
    check_all(
        (rules.items_present, ids),
        (rules.items_positive, ids),
        (rules.items_unique, ids),
        (rules.items_not_taken, taken.values_list("vendor_item_id", "coupon_id", "coupon__title")),
    )


def coupang_coupon_validate(
    coupon: CoupangCoupon,
    policies: list[CoupangCouponPolicy],
    vendor_item_ids: list[int],
    *,
    released: Iterable[int] = (),
) -> None:
    """Every local rule for a coupon about to be saved or sent; one ValidationError with all."""
    check_all(
        (coupon.clean,),  # the one-row rules, end after start among them
        (rules.start_after_lead_time, coupon.start_at),
        (coupang_policies_validate, policies),
        (lambda: coupang_items_validate(vendor_item_ids, coupon=coupon, released=released),),
    )


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
def coupang_coupon_push(*, coupon: CoupangCoupon, user) -> Job:
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
    return job_enqueue(
        target_type=TARGET_COUPANG_COUPON, target_id=coupon.pk, operation="push", user=user
    )


@transaction.atomic
def coupang_coupon_expire(*, coupon: CoupangCoupon, user) -> Job:
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
    return job_enqueue(
        target_type=TARGET_COUPANG_COUPON, target_id=coupon.pk, operation="expire", user=user
    )


@transaction.atomic
def coupang_coupon_refresh(*, coupon: CoupangCoupon, user) -> Job:
    """Queue "Refresh from Coupang" (read the coupon back); returns the job."""
    if not coupon.coupon_id:
        raise DomainError(_("쿠팡 couponId가 없는 쿠폰입니다."), code="NOT_CREATED")
    return job_enqueue(
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
    if Job.objects.filter(
        target_type=TARGET_COUPANG_COUPON, target_id=str(old.pk), status__in=Job.OPEN_STATUSES
    ).exists():
        raise Conflict(_("이 쿠폰에 진행 중인 동기화 작업이 있습니다."), code="SYNC_JOB_OPEN")
    if start_at is None:
        earliest = timezone.now() + rules.CREATE_LEAD_TIME + timedelta(minutes=5)
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
    job_enqueue(
        target_type=TARGET_COUPANG_COUPON,
        target_id=new.pk,
        operation="replace",
        payload={"replaces": old.pk},
        user=user,
    )
    return new


@transaction.atomic
def coupang_coupon_adopt(*, coupon: CoupangCoupon, coupon_id: int, user) -> Job:
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
    return job_enqueue(
        target_type=TARGET_COUPANG_COUPON,
        target_id=coupon.pk,
        operation="push",
        payload={"adopted": coupon_id},
        user=user,
    )


@transaction.atomic
def coupang_coupon_resend_create(*, coupon: CoupangCoupon, user, confirm: str) -> Job:
    """Reconcile a lost create the other way: the user checked WING, found no coupon, and
    confirms by naming this one (`confirm`: its title or id), so the create may be sent again;
    returns the push job. Raises DomainError unless the create is held for confirmation, and
    ValidationError (`confirm`) when the confirmation does not name this coupon."""
    coupon = _locked(coupon)
    if coupon.local_status != Status.NEEDS_RECONCILE:
        raise DomainError(_("생성 여부 확인이 필요한 쿠폰이 아닙니다."), code="NOT_RECONCILING")
    rules.resend_confirmed(confirm, title=coupon.title, coupon_pk=coupon.pk)
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


def _wait_transaction(client: CoupangClient, job: Job, transaction_id: str):
    """Poll a request transaction until DONE/FAIL; RetryableError if it is still REQUESTED."""
    for _attempt in range(max(1, settings.COUPANG_POLL_MAX)):
        status = client.transaction_status(transaction_id)
        if not status.pending:
            return status
        job_heartbeat(job)
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


def _step_items(coupon: CoupangCoupon, client: CoupangClient, job: Job) -> None:
    """Add the items in calls of at most 100 (in id order), each call's transaction polled and
    its outcome recorded before the next call is sent; resumable after a crash at any point."""
    while True:
        _step_poll_items(coupon, client, job)  # the call in flight, if an earlier run sent one
        items = list(coupon.items.filter(active=True).order_by("id"))
        pending = [i for i in items if i.status == CoupangCouponItem.Status.PENDING]
        if not pending:
            return
        chunk = pending[:MAX_ITEMS_PER_CALL]
        reconciling = coupon.items_requested_at is not None
        if reconciling and _items_landed(coupon, client, job, items, chunk):
            continue
        _send_items(coupon, client, chunk, reconciling=reconciling, items=items)


def _items_landed(
    coupon: CoupangCoupon,
    client: CoupangClient,
    job: Job,
    items: list[CoupangCouponItem],
    chunk: list[CoupangCouponItem],
) -> bool:
    """The previous add's answer was lost. Read the coupon until this call's items show (it
    landed and settled: True) or the polling time is up (it probably never arrived: False)."""
    done = sum(1 for i in items if i.status == CoupangCouponItem.Status.DONE)
    for _poll in range(max(1, settings.COUPANG_POLL_MAX)):
        remote = client.get_coupon(coupon.coupon_id)  # CouponDestroyedError: the add failed
        if (remote.applied_option_count or 0) >= done + len(chunk):
            with transaction.atomic():
                _store_remote(coupon, remote)
                CoupangCouponItem.objects.filter(pk__in=[i.pk for i in chunk]).update(
                    status=CoupangCouponItem.Status.DONE
                )
                _save(coupon, items_requested_at=None)
            return True
        job_heartbeat(job)
        time.sleep(settings.COUPANG_POLL_INTERVAL_SECONDS)
    return False


def _send_items(
    coupon: CoupangCoupon,
    client: CoupangClient,
    chunk: list[CoupangCouponItem],
    *,
    reconciling: bool,
    items: list[CoupangCouponItem],
) -> None:
    """One add-items call for `chunk` (≤ 100); its transaction id recorded on the rows."""
    user_id = coupon.wing_user_id or settings.COUPANG_WING_USER_ID
    _save(coupon, items_requested_at=timezone.now())  # committed before the call
    try:
        results = client.add_items(
            coupon.coupon_id, [i.vendor_item_id for i in chunk], user_id=user_id
        )
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
    accepted = next((r for r in results if r.succeeded and r.transaction_id), None)
    if failed or accepted is None:
        _save(coupon, items_requested_at=None)
        message = "; ".join(r.error_message for r in failed if r.error_message) or _(
            "옵션 등록 실패"
        )
        if DESTROYED_MARK in message:
            _mark_destroyed(coupon, message)
        elif any(i.status == CoupangCouponItem.Status.DONE for i in items):
            # Coupang did not take a further call for this coupon (whether it does is unsure).
            message = _(
                "쿠팡이 이 쿠폰의 추가 옵션 등록을 거절했습니다 (한 번에 100개까지만 보낼 수 "
                "있어 나누어 보내는 중, %(done)s개 등록 후). 옵션 100개 이하의 쿠폰으로 나누어 "
                "만드세요: %(message)s"
            ) % {
                "done": sum(1 for i in items if i.status == CoupangCouponItem.Status.DONE),
                "message": message,
            }
        raise FinalError(message)
    with transaction.atomic():  # the rows and the cleared marker together
        CoupangCouponItem.objects.filter(pk__in=[i.pk for i in chunk]).update(
            status=CoupangCouponItem.Status.REQUESTED, transaction_id=accepted.transaction_id
        )
        _save(coupon, items_requested_at=None)


def _step_poll_items(coupon: CoupangCoupon, client: CoupangClient, job: Job) -> None:
    """Wait for the add-items transactions sent and not yet settled; record DONE or FAIL."""
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


def _push(coupon: CoupangCoupon, client: CoupangClient, job: Job) -> dict:
    if job.payload.get("adopted") and coupon.create_attempted_at:
        _verify_adopted(coupon, client)
    if not coupon.coupon_id:
        _step_create(coupon, client)
    try:
        _step_items(coupon, client, job)
        _step_read_back(coupon, client)
    except CouponDestroyedError as exc:
        _mark_destroyed(coupon, exc.message)
        raise
    return {"couponId": coupon.coupon_id, "couponStatus": coupon.remote_status}


def _coupon(job: Job) -> CoupangCoupon:
    return CoupangCoupon.objects.get(pk=int(job.target_id))


def _push_failed(job: Job, message: str) -> None:
    coupon = _coupon(job)
    if coupon.local_status == Status.QUEUED:
        _save(coupon, local_status=Status.FAILED, last_error=message)
    elif not coupon.last_error:
        _save(coupon, last_error=message)


def _run_push(job: Job) -> dict:
    return _push(_coupon(job), CoupangClient(job=job), job)


def _expire(coupon: CoupangCoupon, client: CoupangClient, job: Job) -> dict:
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


def _expire_failed(job: Job, message: str) -> None:
    coupon = _coupon(job)
    fields = {"last_error": message}
    if coupon.local_status == Status.EXPIRING:
        fields["local_status"] = Status.PUSHED  # still live on Coupang
    _save(coupon, **fields)


def _run_expire(job: Job) -> dict:
    return _expire(_coupon(job), CoupangClient(job=job), job)


def _refresh_failed(job: Job, message: str) -> None:
    _save(_coupon(job), last_error=message)


def _run_refresh(job: Job) -> dict:
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


def _replace_failed(job: Job, message: str) -> None:
    _push_failed(job, message)
    old = CoupangCoupon.objects.filter(pk=job.payload.get("replaces")).first()
    if old and old.local_status == Status.EXPIRING:
        _save(old, last_error=message)


def _run_replace(job: Job) -> dict:
    """Expire the old coupon (its items are released only then), then create the new one."""
    client = CoupangClient(job=job)
    old = CoupangCoupon.objects.get(pk=job.payload["replaces"])
    if old.local_status != Status.EXPIRED:
        _expire(old, client, job)
    result = _push(_coupon(job), client, job)
    return {**result, "replaced": old.coupon_id}


# Registered with the sync engine by `CoupangConfig.ready()`.
JOB_HANDLERS = [
    (TARGET_COUPANG_COUPON, "push", _run_push, _push_failed),
    (TARGET_COUPANG_COUPON, "expire", _run_expire, _expire_failed),
    (TARGET_COUPANG_COUPON, "refresh", _run_refresh, _refresh_failed),
    (TARGET_COUPANG_COUPON, "replace", _run_replace, _replace_failed),
]
