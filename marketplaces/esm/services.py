"""ESM (Gmarket 후원쇼핑 / Auction 나눔쇼핑) sponsorship settings: rules, services and sync jobs.

Every write goes through a service here; the admin, the REST API and commands call them.

Rules. Each is a function of `rules.py`; the one-row rules run in `EsmSponsorship.clean()` beside
the table's constraints. The 80 % rule needs ESM's Gmarket price (`GET …/price`), so
`esm_sponsorship_validate` reads it and keeps the price and when it was read on the row, and every
push reads it again before sending: a refusal names the price used and its time, and nothing is
written to ESM.

Jobs (on the job engine `backoffice.jobs`, registered by `EsmConfig.ready()`):
- push:    POST the first time, PUT once ESM has it. A POST refused because ESM already holds the
           goods (our own earlier POST whose answer was lost, a parallel job, a seller editing in
           ESM Plus) is reconciled with a GET and sent as a PUT.
- release: DELETE; "not registered" after a lost answer counts as released (checked with a GET).
- pull:    GET; keeps the body and when it was read, and the differences with the local values.
- bulk push: many goods in ONE job, with progress and per-goods outcomes in `job.result`; goods
           that failed for a retryable reason are sent again by the job's next attempt, goods
           already settled are not.

A retired sponsorship API (`EsmApiRetired`) fails the job once, with the plain message, and is
never retried; bad keys are reported as a credentials problem.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from backoffice.jobs.models import Job
from backoffice.jobs.services import job_enqueue
from coupons.errors import DomainError
from marketplaces.http import (
    CredentialsError,
    FinalError,
    MarketplaceError,
    PlainFinalError,
    RetryableError,
)

from . import bulk, rules
from .client import (
    AuctionSponsorship,
    EsmApiRetired,
    EsmClient,
    EsmRefusal,
    GmarketSponsorship,
    GoodsPrice,
    Sponsorship,
)
from .models import EsmSponsorship

TARGET_ESM_SPONSORSHIP = "esm.sponsorship"
TARGET_ESM_BULK = "esm.sponsorship_bulk"
BULK_MAX_GOODS = 10_000

State = EsmSponsorship.LocalState
Remote = EsmSponsorship.RemoteState

# Model field -> the names of MARKETPLACES.md / the REST API (`gmarket.amount` …).
API_FIELD_NAMES = {
    "goods_no": "goodsNo",
    "gmkt_is_use": "gmarket.isUse",
    "gmkt_amount": "gmarket.amount",
    "gmkt_max_amount": "gmarket.maxAmount",
    "gmkt_field": "gmarket.field",
    "gmkt_start_date": "gmarket.startDate",
    "gmkt_end_date": "gmarket.endDate",
    "iac_is_use": "auction.isUse",
    "iac_start_date": "auction.startDate",
    "iac_end_date": "auction.endDate",
}
EDITABLE_FIELDS = tuple(name for name in API_FIELD_NAMES if name != "goods_no")


class PriceRuleRefused(PlainFinalError):
    """The amount is above 80 % of the Gmarket price ESM just gave: refused before sending."""


# =================================================================================================
# Local values <-> ESM's
# =================================================================================================
def esm_sponsorship_settings(sponsorship: EsmSponsorship) -> Sponsorship:
    """The local row as the body ESM expects."""
    s = sponsorship
    return Sponsorship(
        gmarket=GmarketSponsorship(
            is_use=s.gmkt_is_use,
            amount=s.gmkt_amount,
            max_amount=s.gmkt_max_amount,
            field=s.gmkt_field,
            start_date=s.gmkt_start_date,
            end_date=s.gmkt_end_date,
        ),
        auction=AuctionSponsorship(
            is_use=s.iac_is_use, start_date=s.iac_start_date, end_date=s.iac_end_date
        ),
    )


def _compared(block_in_use: bool, pairs: list[tuple[str, object, object]]) -> list:
    return pairs if block_in_use else []


def esm_sponsorship_differences(
    sponsorship: EsmSponsorship, remote: Sponsorship | None = None
) -> list[dict]:
    """Fields whose local value differs from ESM's last read: [{field, label, local, remote}].

    Values of a block are compared only when either side uses it; field 99 / names read as 6."""
    if remote is None:
        if not sponsorship.remote_read_at:
            return []
        remote = Sponsorship.from_json(sponsorship.remote_payload)
    local = esm_sponsorship_settings(sponsorship)
    lg, rg, la, ra = local.gmarket, remote.gmarket, local.auction, remote.auction
    rows = [("gmkt_is_use", lg.is_use, rg.is_use)]
    rows += _compared(
        lg.is_use or rg.is_use,
        [
            ("gmkt_amount", lg.amount, rg.amount),
            ("gmkt_max_amount", lg.max_amount, rg.max_amount),
            ("gmkt_field", lg.field, rg.field),
            ("gmkt_start_date", lg.start_date, rg.start_date),
            ("gmkt_end_date", lg.end_date, rg.end_date),
        ],
    )
    rows.append(("iac_is_use", la.is_use, ra.is_use))
    rows += _compared(
        la.is_use or ra.is_use,
        [
            ("iac_start_date", la.start_date, ra.start_date),
            ("iac_end_date", la.end_date, ra.end_date),
        ],
    )
    labels = {f.name: str(f.verbose_name) for f in EsmSponsorship._meta.fields}
    return [
        {
            "field": API_FIELD_NAMES[name],
            "label": labels[name],
            "local": _plain(local_value),
            "remote": _plain(remote_value),
        }
        for name, local_value, remote_value in rows
        if local_value != remote_value
    ]


def _plain(value):
    return value.isoformat() if hasattr(value, "isoformat") else value


# =================================================================================================
# Rules
# =================================================================================================
def esm_sponsorship_price_rule(sponsorship: EsmSponsorship) -> None:
    """Amount ≤ 80 % of the Gmarket price stored on the row. Raises ValidationError."""
    rules.amount_within_price_ratio(sponsorship)


def _store_price(sponsorship: EsmSponsorship, price: GoodsPrice) -> None:
    sponsorship.price_gmkt = price.gmkt
    sponsorship.price_iac = price.iac
    sponsorship.price_read_at = timezone.now()


def esm_sponsorship_check_price(
    *, sponsorship: EsmSponsorship, client: EsmClient | None = None
) -> GoodsPrice | None:
    """Read the Gmarket price from ESM, keep it on the (unsaved) row and apply the 80 % rule.

    Returns the price read (None when Gmarket is not in use). Raises ValidationError with a field
    error, also when ESM cannot be asked."""
    if not sponsorship.gmkt_is_use or sponsorship.gmkt_amount is None:
        return None
    client = client or EsmClient()
    try:
        price = client.read_price(sponsorship.goods_no)
    except CredentialsError as exc:
        raise ValidationError(_credentials_message(exc)) from exc
    except FinalError as exc:
        raise ValidationError(
            {"goods_no": _("ESM이 상품의 판매가 조회를 거절했습니다: %s") % exc.message}
        ) from exc
    except RetryableError as exc:
        raise ValidationError(
            {
                "gmkt_amount": _(
                    "G마켓 판매가를 조회하지 못해 80%% 한도를 확인할 수 "
                    "없습니다 (%s). 잠시 후 다시 저장하세요."
                )
                % exc.message
            }
        ) from exc
    _store_price(sponsorship, price)
    esm_sponsorship_price_rule(sponsorship)
    return price


def esm_sponsorship_validate(*, sponsorship: EsmSponsorship, check_price: bool = True) -> None:
    """Every rule for a row about to be saved: one-row rules and constraints first (nothing is
    sent while they fail), then the 80 % rule against ESM's price. Raises ValidationError."""
    sponsorship.full_clean()
    if check_price:
        esm_sponsorship_check_price(sponsorship=sponsorship)


def _credentials_message(exc: MarketplaceError) -> str:
    return (
        _(
            "ESM 인증 정보 문제(credentials): ESM이 토큰을 거부했습니다. ESM_MASTER_ID, "
            "ESM_SECRET_KEY, 판매자 ID(ESM_GMARKET_SELLER_ID / ESM_AUCTION_SELLER_ID)를 확인하세요. "
            "ESM 응답: %s"
        )
        % exc.message
    )


# =================================================================================================
# Services called by the admin, the API and commands
# =================================================================================================
def _mark_edited(sponsorship: EsmSponsorship) -> None:
    """DRAFT unless the values are exactly what ESM was last sent (and nothing is in flight)."""
    if sponsorship.local_state in (State.QUEUED, State.RELEASING):
        return
    unchanged = (
        sponsorship.pushed_payload == esm_sponsorship_settings(sponsorship).to_json()
        and sponsorship.remote_state == Remote.REGISTERED
    )
    if not (unchanged and sponsorship.local_state == State.SYNCED):
        sponsorship.local_state = State.DRAFT


def esm_sponsorship_save(
    *, sponsorship: EsmSponsorship, user=None, price_checked: bool = False
) -> EsmSponsorship:
    """Validate (the price too, unless the caller's form just read it: `price_checked`) and
    save; returns the row. Raises ValidationError.

    The price is read outside the write's transaction, so its HTTP log row survives a refusal."""
    if price_checked:
        sponsorship.full_clean()
    else:
        esm_sponsorship_validate(sponsorship=sponsorship)
    if sponsorship.pk is None and getattr(user, "pk", None):
        sponsorship.created_by = user
    _mark_edited(sponsorship)
    with transaction.atomic():
        sponsorship.save()
    return sponsorship


def esm_sponsorship_create(*, user, goods_no: str, **values) -> EsmSponsorship:
    """Create one goods' settings (keyword names as the model fields); returns the row.

    Raises ValidationError (field errors keyed by model field)."""
    sponsorship = EsmSponsorship(goods_no=goods_no, **_only_editable(values))
    return esm_sponsorship_save(sponsorship=sponsorship, user=user)


def esm_sponsorship_update(*, sponsorship: EsmSponsorship, user, **values) -> EsmSponsorship:
    """Change the settings (not the goods number); returns the row. Raises ValidationError."""
    for name, value in _only_editable(values).items():
        setattr(sponsorship, name, value)
    return esm_sponsorship_save(sponsorship=sponsorship, user=user)


def _only_editable(values: dict) -> dict:
    unknown = set(values) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"not editable: {sorted(unknown)}")
    return values


def _locked(sponsorship: EsmSponsorship) -> EsmSponsorship:
    return EsmSponsorship.objects.select_for_update().get(pk=sponsorship.pk)


@transaction.atomic
def esm_sponsorship_push(*, sponsorship: EsmSponsorship, user) -> Job:
    """Queue "send to ESM" (POST the first time, PUT after); returns the job.

    The one-row rules are checked here, the 80 % rule by the job against a fresh price; nothing
    is sent while a rule fails. Raises ValidationError, or Conflict while a job is open."""
    sponsorship = _locked(sponsorship)
    sponsorship.full_clean()
    sponsorship.local_state = State.QUEUED
    sponsorship.last_error = ""
    sponsorship.save(update_fields=["local_state", "last_error", "updated_at"])
    return job_enqueue(
        target_type=TARGET_ESM_SPONSORSHIP,
        target_id=sponsorship.goods_no,
        operation="push",
        user=user,
    )


@transaction.atomic
def esm_sponsorship_release(*, sponsorship: EsmSponsorship, user) -> Job:
    """Queue "release on ESM" (DELETE); returns the job. Raises DomainError when ESM is not
    known to hold the settings (pull first), Conflict while a job is open."""
    sponsorship = _locked(sponsorship)
    if sponsorship.remote_state == Remote.NOT_REGISTERED:
        raise DomainError(
            _("ESM에 등록되지 않은 설정입니다 (먼저 ESM에서 조회해 확인하세요)."),
            code="NOT_REGISTERED",
            http_status=409,
        )
    sponsorship.local_state = State.RELEASING
    sponsorship.last_error = ""
    sponsorship.save(update_fields=["local_state", "last_error", "updated_at"])
    return job_enqueue(
        target_type=TARGET_ESM_SPONSORSHIP,
        target_id=sponsorship.goods_no,
        operation="release",
        user=user,
    )


@transaction.atomic
def esm_sponsorship_pull(*, sponsorship: EsmSponsorship, user) -> Job:
    """Queue "read from ESM" (GET, then the differences with the local values); returns the job."""
    return job_enqueue(
        target_type=TARGET_ESM_SPONSORSHIP,
        target_id=sponsorship.goods_no,
        operation="pull",
        user=user,
    )


@transaction.atomic
def esm_sponsorships_push_bulk(*, sponsorships: Iterable[EsmSponsorship], user) -> Job:
    """Queue ONE job pushing many goods, with progress and an outcome per goods; returns it.

    Raises ValidationError (nothing queued) when a row breaks a one-row rule or there are too
    many, DomainError when there are none."""
    rows = list(sponsorships)
    if not rows:
        raise DomainError(_("전송할 상품을 선택하세요."), code="NOTHING_SELECTED")
    if len(rows) > BULK_MAX_GOODS:
        raise ValidationError(
            _("한 번에 %(max)s개까지 전송할 수 있습니다.") % {"max": BULK_MAX_GOODS}
        )
    problems = []
    for row in rows:
        try:
            # Saved rows already hold the table's constraints; the Python rules are cheap.
            row.clean()
        except ValidationError as exc:
            problems.append(f"{row.goods_no}: {'; '.join(exc.messages)}")
    if problems:
        raise ValidationError(problems)
    goods_nos = [row.goods_no for row in rows]
    EsmSponsorship.objects.filter(goods_no__in=goods_nos).update(
        local_state=State.QUEUED, last_error="", updated_at=timezone.now()
    )
    return job_enqueue(
        target_type=TARGET_ESM_BULK,
        target_id=uuid.uuid4().hex[:16],
        operation="push",
        payload={"goods_nos": goods_nos},
        user=user,
        progress_total=len(goods_nos),
    )


# =================================================================================================
# The jobs
# =================================================================================================
def _save(sponsorship: EsmSponsorship, **fields) -> None:
    for name, value in fields.items():
        setattr(sponsorship, name, value)
    sponsorship.save(update_fields=[*fields, "updated_at"])


def _store_remote(sponsorship: EsmSponsorship, remote: Sponsorship, **fields) -> None:
    _save(
        sponsorship,
        remote_payload=remote.raw,
        remote_read_at=timezone.now(),
        remote_state=Remote.REGISTERED if remote.registered else Remote.NOT_REGISTERED,
        **fields,
    )


def _final(exc: FinalError) -> FinalError:
    """Bad keys, told plainly as a credentials problem; other refusals as they are."""
    if isinstance(exc, CredentialsError):
        return CredentialsError(_credentials_message(exc), status=exc.status, body=exc.body)
    return exc


def _push_one(sponsorship: EsmSponsorship, client: EsmClient) -> dict:
    """Send one goods' settings; returns its outcome. Raises MarketplaceError."""
    goods_no = sponsorship.goods_no
    body = esm_sponsorship_settings(sponsorship)
    if sponsorship.gmkt_is_use:
        price = client.read_price(goods_no)
        _store_price(sponsorship, price)
        _save(
            sponsorship,
            price_gmkt=sponsorship.price_gmkt,
            price_iac=sponsorship.price_iac,
            price_read_at=sponsorship.price_read_at,
        )
        try:
            esm_sponsorship_price_rule(sponsorship)
        except ValidationError as exc:
            raise PriceRuleRefused(" ".join(exc.messages)) from exc
    registered = sponsorship.remote_state == Remote.REGISTERED
    if sponsorship.remote_state == Remote.UNKNOWN:
        remote = client.read(goods_no)  # an earlier write's answer was lost: look first
        _store_remote(sponsorship, remote)
        registered = remote.registered
    try:
        if registered:
            operation = "PUT"
            client.modify(goods_no, body)
        else:
            operation = "POST"
            try:
                client.register(goods_no, body)
            except EsmRefusal:
                # Maybe ESM already holds it (a lost answer, a parallel job, ESM Plus): look.
                remote = client.read(goods_no)
                _store_remote(sponsorship, remote)
                if not remote.registered:
                    raise
                operation = "PUT"
                client.modify(goods_no, body)
    except RetryableError as exc:
        if exc.outcome_unknown:
            _save(sponsorship, remote_state=Remote.UNKNOWN)
        raise
    now = timezone.now()
    sent = body.to_json()
    current = EsmSponsorship.objects.get(pk=sponsorship.pk)  # edited while we were sending?
    unchanged = esm_sponsorship_settings(current).to_json() == sent
    _save(
        sponsorship,
        remote_state=Remote.REGISTERED,
        pushed_payload=sent,
        pushed_at=now,
        local_state=State.SYNCED if unchanged else State.DRAFT,
        last_error="",
    )
    return {"goodsNo": goods_no, "status": "OK", "operation": operation, "message": ""}


def _sponsorship(job: Job) -> EsmSponsorship:
    try:
        return EsmSponsorship.objects.get(goods_no=job.target_id)
    except EsmSponsorship.DoesNotExist:
        raise PlainFinalError(
            _("상품 %s의 후원/나눔쇼핑 설정이 삭제되었습니다.") % job.target_id
        ) from None


def _failed(job: Job, message: str) -> None:
    sponsorship = EsmSponsorship.objects.filter(goods_no=job.target_id).first()
    if sponsorship is None:
        return
    fields = {"last_error": message}
    if sponsorship.local_state in (State.QUEUED, State.RELEASING):
        fields["local_state"] = State.FAILED
    _save(sponsorship, **fields)


def _run_push(job: Job) -> dict:
    try:
        return _push_one(_sponsorship(job), EsmClient(job=job))
    except FinalError as exc:
        raise _final(exc) from exc


def _run_release(job: Job) -> dict:
    sponsorship = _sponsorship(job)
    client = EsmClient(job=job)
    try:
        try:
            client.release(sponsorship.goods_no)
        except EsmRefusal:
            remote = client.read(sponsorship.goods_no)  # released already (a lost answer)?
            _store_remote(sponsorship, remote)
            if remote.registered:
                raise
    except RetryableError as exc:
        if exc.outcome_unknown:
            _save(sponsorship, remote_state=Remote.UNKNOWN)
        raise
    except FinalError as exc:
        raise _final(exc) from exc
    _save(
        sponsorship,
        remote_state=Remote.NOT_REGISTERED,
        local_state=State.RELEASED,
        pushed_payload={},
        last_error="",
    )
    return {"goodsNo": sponsorship.goods_no, "status": "OK", "operation": "DELETE"}


def _pull_failed(job: Job, message: str) -> None:
    EsmSponsorship.objects.filter(goods_no=job.target_id).update(
        last_error=message, updated_at=timezone.now()
    )


def _run_pull(job: Job) -> dict:
    sponsorship = _sponsorship(job)
    try:
        remote = EsmClient(job=job).read(sponsorship.goods_no)
    except FinalError as exc:
        raise _final(exc) from exc
    differences = esm_sponsorship_differences(sponsorship, remote)
    fields = {"last_error": ""}
    if sponsorship.local_state not in (State.QUEUED, State.RELEASING):
        if differences:
            fields["local_state"] = State.DRAFT
        elif remote.registered:
            fields["local_state"] = State.SYNCED
            fields["pushed_payload"] = esm_sponsorship_settings(sponsorship).to_json()
    _store_remote(sponsorship, remote, **fields)
    return {
        "goodsNo": sponsorship.goods_no,
        "registered": remote.registered,
        "differences": differences,
    }


# --- bulk push ----------------------------------------------------------------------------------
def _bulk_failed(job: Job, message: str) -> None:
    """The job ended FAILED or DEAD: every goods without a final outcome gets the reason."""
    bulk.bulk_failed(job, message, model=EsmSponsorship)


def _run_bulk_push(job: Job) -> dict:
    """Push every goods of the job, one HTTP session for all; a goods' refusal is its outcome,
    a retired API or bad keys stop the job (they would refuse every goods alike)."""
    return bulk.run_bulk(
        job,
        model=EsmSponsorship,
        push_one=_push_one,
        client=EsmClient(job=job),
        stop_on=(EsmApiRetired, CredentialsError),
        final=_final,
        missing_message=_("설정이 삭제되었습니다."),
    )


# Registered with the sync engine by `EsmConfig.ready()`.
JOB_HANDLERS = [
    (TARGET_ESM_SPONSORSHIP, "push", _run_push, _failed),
    (TARGET_ESM_SPONSORSHIP, "release", _run_release, _failed),
    (TARGET_ESM_SPONSORSHIP, "pull", _run_pull, _pull_failed),
    (TARGET_ESM_BULK, "push", _run_bulk_push, _bulk_failed),
]
