"""ESM seller discounts (판매자할인) on Gmarket and Auction: services and sync jobs.

Every write goes through a service here; the admin, the REST API and commands call them.

Rules. Each is a function of `rules.py`; the one-row rules run in `EsmSellerDiscount.clean()`
beside the table's constraints. The 70 % rule needs ESM's price of each site with a fixed amount
(`GET …/price`, read as the sponsorship reads it): `esm_seller_discount_validate` reads it and
keeps the prices and when they were read on the row, and every push reads them again before
sending. A refusal names the site, the price used and its time, and nothing is written to ESM.

Jobs (on the job engine `backoffice.jobs`, registered by `EsmConfig.ready()`):
- push:    POST (ESM's one call registers or modifies, so sending it again is safe). After a lost
           answer the next attempt reads first and sends nothing when ESM already holds exactly
           what we would send.
- release: DELETE; "not registered" after a lost answer counts as released (checked with a GET).
- pull:    GET; keeps the body and when it was read, and the differences with the local values
           (차이 확인).
- read:    GET and take ESM's values as ours (읽어 오기), when ESM holds a discount.
- bulk push: many goods in ONE job with an outcome per goods (`bulk.run_bulk`, shared with the
           sponsorship).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from backoffice.jobs.models import Job
from backoffice.jobs.services import job_enqueue
from backoffice.mirrors import Mirror
from coupons.errors import DomainError
from marketplaces.http import CredentialsError, FinalError, PlainFinalError, RetryableError

from . import bulk, rules
from .client import EsmClient, EsmRefusal, GoodsPrice, SellerDiscount, SiteDiscount
from .models import EsmSellerDiscount
from .services import PriceRuleRefused, _credentials_message, _final

TARGET_ESM_SELLER_DISCOUNT = "esm.seller_discount"
TARGET_ESM_SELLER_DISCOUNT_BULK = "esm.seller_discount_bulk"
BULK_MAX_GOODS = 10_000

State = EsmSellerDiscount.LocalState
Remote = EsmSellerDiscount.RemoteState

SITE_FIELDS = ("type", "price_or_rate1", "price_or_rate2", "start_date", "end_date")
SITE_API_NAMES = {
    "type": "type",
    "price_or_rate1": "priceOrRate1",
    "price_or_rate2": "priceOrRate2",
    "start_date": "startDate",
    "end_date": "endDate",
}
# Model field -> the names of MARKETPLACES.md / the REST API (`gmkt.priceOrRate1` …).
API_FIELD_NAMES = {
    "goods_no": "goodsNo",
    "is_use": "isUse",
    **{
        f"{site}_{name}": f"{site}.{api}"
        for site in rules.SITES
        for name, api in SITE_API_NAMES.items()
    },
    "promotion": "promoNo",
}
EDITABLE_FIELDS = tuple(name for name in API_FIELD_NAMES if name != "goods_no")


# =================================================================================================
# Local values <-> ESM's
# =================================================================================================
def _site_block(discount: EsmSellerDiscount, site: str) -> SiteDiscount:
    values = {name: getattr(discount, f"{site}_{name}") for name in SITE_FIELDS}
    if not values["type"]:
        return SiteDiscount()
    return SiteDiscount(**values)


def esm_seller_discount_body(discount: EsmSellerDiscount) -> SellerDiscount:
    """The local row as the body ESM expects."""
    return SellerDiscount(
        is_use=discount.is_use,
        gmkt=_site_block(discount, "gmkt"),
        iac=_site_block(discount, "iac"),
    )


def esm_seller_discount_differences(
    discount: EsmSellerDiscount, remote: SellerDiscount | None = None
) -> list[dict]:
    """Fields whose local value differs from ESM's last read: [{field, label, local, remote}].

    A site's values are compared only when either side gives it a type."""
    if remote is None:
        if not discount.remote_read_at:
            return []
        remote = SellerDiscount.from_json(discount.remote_payload)
    local = esm_seller_discount_body(discount)
    rows = [("is_use", local.is_use, remote.is_use)]
    for site in rules.SITES:
        mine, theirs = getattr(local, site), getattr(remote, site)
        rows.append((f"{site}_type", mine.type, theirs.type))
        if mine.type or theirs.type:
            rows += [
                (f"{site}_{name}", getattr(mine, name), getattr(theirs, name))
                for name in SITE_FIELDS[1:]
            ]
    labels = {f.name: str(f.verbose_name) for f in EsmSellerDiscount._meta.fields}
    return [
        {
            "field": API_FIELD_NAMES[name],
            "label": labels[name],
            "local": _plain(mine),
            "remote": _plain(theirs),
        }
        for name, mine, theirs in rows
        if mine != theirs
    ]


def _plain(value):
    return value.isoformat() if hasattr(value, "isoformat") else value


def _adopt(discount: EsmSellerDiscount, remote: SellerDiscount) -> None:
    """Copy ESM's values onto the (unsaved) row."""
    discount.is_use = remote.is_use
    for site in rules.SITES:
        block = getattr(remote, site)
        for name in SITE_FIELDS:
            setattr(discount, f"{site}_{name}", getattr(block, name))


# =================================================================================================
# Rules
# =================================================================================================
def _store_price(discount: EsmSellerDiscount, price: GoodsPrice) -> None:
    discount.price_gmkt = price.gmkt
    discount.price_iac = price.iac
    discount.price_read_at = timezone.now()


def esm_seller_discount_check_price(
    *, discount: EsmSellerDiscount, client: EsmClient | None = None
) -> GoodsPrice | None:
    """Read the goods' prices from ESM, keep them on the (unsaved) row and apply the 70 % rule to
    each site with a fixed amount. Returns the price read (None when no site has a fixed amount).
    Raises ValidationError with a field error, also when ESM cannot be asked."""
    sites = rules.sites_needing_price(discount)
    if not sites:
        return None
    field = f"{sites[0]}_price_or_rate1"
    client = client or EsmClient()
    try:
        price = client.read_price(discount.goods_no)
    except CredentialsError as exc:
        raise ValidationError(_credentials_message(exc)) from exc
    except FinalError as exc:
        raise ValidationError(
            {"goods_no": _("ESM이 상품의 판매가 조회를 거절했습니다: %s") % exc.message}
        ) from exc
    except RetryableError as exc:
        raise ValidationError(
            {
                field: _(
                    "판매가를 조회하지 못해 70%% 한도를 확인할 수 없습니다 (%s). "
                    "잠시 후 다시 저장하세요."
                )
                % exc.message
            }
        ) from exc
    _store_price(discount, price)
    rules.discount_within_price_ratio(discount)
    return price


def esm_seller_discount_validate(*, discount: EsmSellerDiscount, check_price: bool = True) -> None:
    """Every rule for a row about to be saved: one-row rules and constraints first (nothing is
    sent while they fail), then the 70 % rule against ESM's prices. Raises ValidationError."""
    discount.full_clean()
    if check_price:
        esm_seller_discount_check_price(discount=discount)


# =================================================================================================
# Services called by the admin, the API and commands
# =================================================================================================
def _mark_edited(discount: EsmSellerDiscount) -> None:
    """DRAFT unless the values are exactly what ESM was last sent (and nothing is in flight)."""
    if discount.local_state in (State.QUEUED, State.RELEASING):
        return
    unchanged = (
        discount.pushed_payload == esm_seller_discount_body(discount).to_json()
        and discount.remote_state == Remote.REGISTERED
    )
    if not (unchanged and discount.local_state == State.SYNCED):
        discount.local_state = State.DRAFT


def esm_seller_discount_save(
    *, discount: EsmSellerDiscount, user=None, price_checked: bool = False
) -> EsmSellerDiscount:
    """Validate (the prices too, unless the caller's form just read them: `price_checked`) and
    save; returns the row. Raises ValidationError.

    The price is read outside the write's transaction, so its HTTP log row survives a refusal."""
    if price_checked:
        discount.full_clean()
    else:
        esm_seller_discount_validate(discount=discount)
    if discount.pk is None and getattr(user, "pk", None):
        discount.created_by = user
    _mark_edited(discount)
    with transaction.atomic():
        discount.save()
    return discount


def _only_editable(values: dict) -> dict:
    unknown = set(values) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"not editable: {sorted(unknown)}")
    return values


def esm_seller_discount_create(*, user, goods_no: str, **values) -> EsmSellerDiscount:
    """Create one goods' seller discount (keyword names as the model fields, `promotion` a mall
    Promotion or None); returns the row. Raises ValidationError keyed by model field."""
    discount = EsmSellerDiscount(goods_no=goods_no, **_only_editable(values))
    return esm_seller_discount_save(discount=discount, user=user)


def esm_seller_discount_update(*, discount: EsmSellerDiscount, user, **values) -> EsmSellerDiscount:
    """Change the discount (not the goods number); returns the row. Raises ValidationError."""
    for name, value in _only_editable(values).items():
        setattr(discount, name, value)
    return esm_seller_discount_save(discount=discount, user=user)


def _locked(discount: EsmSellerDiscount) -> EsmSellerDiscount:
    return EsmSellerDiscount.objects.select_for_update().get(pk=discount.pk)


def _enqueue(discount: EsmSellerDiscount, operation: str, user) -> Job:
    return job_enqueue(
        target_type=TARGET_ESM_SELLER_DISCOUNT,
        target_id=discount.goods_no,
        operation=operation,
        user=user,
    )


@transaction.atomic
def esm_seller_discount_push(*, discount: EsmSellerDiscount, user) -> Job:
    """Queue "register / modify on ESM" (POST); returns the job.

    The one-row rules are checked here, the 70 % rule by the job against fresh prices; nothing
    is sent while a rule fails. Raises ValidationError, or Conflict while a job is open."""
    discount = _locked(discount)
    discount.full_clean()
    job = _enqueue(discount, "push", user)
    discount.local_state = State.QUEUED
    discount.last_error = ""
    discount.save(update_fields=["local_state", "last_error", "updated_at"])
    return job


@transaction.atomic
def esm_seller_discount_release(*, discount: EsmSellerDiscount, user) -> Job:
    """Queue "release on ESM" (DELETE); returns the job. Raises DomainError when ESM is not
    known to hold the discount (read it first), Conflict while a job is open."""
    discount = _locked(discount)
    if discount.remote_state == Remote.NOT_REGISTERED:
        raise DomainError(
            _("ESM에 등록되지 않은 판매자할인입니다 (먼저 ESM에서 차이 확인으로 조회하세요)."),
            code="NOT_REGISTERED",
            http_status=409,
        )
    job = _enqueue(discount, "release", user)
    discount.local_state = State.RELEASING
    discount.last_error = ""
    discount.save(update_fields=["local_state", "last_error", "updated_at"])
    return job


@transaction.atomic
def esm_seller_discount_pull(*, discount: EsmSellerDiscount, user) -> Job:
    """Queue "compare with ESM" (GET, keep ESM's body, the differences with ours in the job's
    result); returns the job. Raises Conflict while a job is open."""
    return _enqueue(discount, "pull", user)


@transaction.atomic
def esm_seller_discount_read(*, discount: EsmSellerDiscount, user) -> Job:
    """Queue "read from ESM" (GET, and ESM's values become ours when it holds a discount);
    returns the job. Raises Conflict while a job is open."""
    return _enqueue(discount, "read", user)


@transaction.atomic
def esm_seller_discounts_push_bulk(*, discounts: Iterable[EsmSellerDiscount], user) -> Job:
    """Queue ONE job pushing many goods, with progress and an outcome per goods; returns it.

    Raises ValidationError (nothing queued) naming every goods that breaks a one-row rule, or
    when there are too many; DomainError when there are none."""
    rows = list(discounts)
    if not rows:
        raise DomainError(_("전송할 상품을 선택하세요."), code="NOTHING_SELECTED")
    if len(rows) > BULK_MAX_GOODS:
        raise ValidationError(
            _("한 번에 %(max)s개까지 전송할 수 있습니다.") % {"max": f"{BULK_MAX_GOODS:,}"}
        )
    problems = []
    for row in rows:
        try:
            row.clean()  # saved rows already hold the table's constraints
        except ValidationError as exc:
            problems.append(f"{row.goods_no}: {'; '.join(exc.messages)}")
    if problems:
        raise ValidationError(problems)
    goods_nos = [row.goods_no for row in rows]
    job = job_enqueue(
        target_type=TARGET_ESM_SELLER_DISCOUNT_BULK,
        target_id=uuid.uuid4().hex[:16],
        operation="push",
        payload={"goods_nos": goods_nos},
        user=user,
        progress_total=len(goods_nos),
    )
    EsmSellerDiscount.objects.filter(goods_no__in=goods_nos).update(
        local_state=State.QUEUED, last_error="", updated_at=timezone.now()
    )
    return job


# =================================================================================================
# Mirrors of a mall promotion (backoffice.mirrors, registered by EsmConfig.ready())
# =================================================================================================
def esm_seller_discount_mirrors(promotion) -> Iterator[Mirror]:
    """The seller discounts that mirror `promotion`, for the promotion's page."""
    rows = EsmSellerDiscount.objects.filter(promotion=promotion).order_by("goods_no")
    for row in rows.only("pk", "goods_no", "local_state", "remote_state", "promotion"):
        yield Mirror(
            kind=_("ESM 판매자할인"),
            label=_("상품 %(goods_no)s") % {"goods_no": row.goods_no},
            url=reverse("admin:marketplaces_esmsellerdiscount_change", args=[row.pk]),
            status=f"{row.get_local_state_display()} · {row.get_remote_state_display()}",
        )


# =================================================================================================
# The jobs
# =================================================================================================
def _save(discount: EsmSellerDiscount, **fields) -> None:
    for name, value in fields.items():
        setattr(discount, name, value)
    discount.save(update_fields=[*fields, "updated_at"])


def _store_remote(discount: EsmSellerDiscount, remote: SellerDiscount, **fields) -> None:
    _save(
        discount,
        remote_payload=remote.raw,
        remote_read_at=timezone.now(),
        remote_state=Remote.REGISTERED if remote.registered else Remote.NOT_REGISTERED,
        **fields,
    )


def _push_one(discount: EsmSellerDiscount, client: EsmClient) -> dict:
    """Send one goods' discount; returns its outcome. Raises MarketplaceError."""
    goods_no = discount.goods_no
    body = esm_seller_discount_body(discount)
    if rules.sites_needing_price(discount):
        _store_price(discount, client.read_price(goods_no))
        _save(
            discount,
            price_gmkt=discount.price_gmkt,
            price_iac=discount.price_iac,
            price_read_at=discount.price_read_at,
        )
        try:
            rules.discount_within_price_ratio(discount)
        except ValidationError as exc:
            raise PriceRuleRefused(" ".join(exc.messages)) from exc
    operation = "POST"
    already = False
    if discount.remote_state == Remote.UNKNOWN:
        remote = client.read_seller_discount(goods_no)  # an earlier answer was lost: look first
        _store_remote(discount, remote)
        already = remote.registered and remote == body
    if already:
        operation = "NONE"  # applied by the attempt whose answer was lost: nothing to send
    else:
        try:
            client.save_seller_discount(goods_no, body)
        except RetryableError as exc:
            if exc.outcome_unknown:
                _save(discount, remote_state=Remote.UNKNOWN)
            raise
    sent = body.to_json()
    current = EsmSellerDiscount.objects.get(pk=discount.pk)  # edited while we were sending?
    unchanged = esm_seller_discount_body(current).to_json() == sent
    _save(
        discount,
        remote_state=Remote.REGISTERED,
        pushed_payload=sent,
        pushed_at=timezone.now(),
        local_state=State.SYNCED if unchanged else State.DRAFT,
        last_error="",
    )
    return bulk.outcome(goods_no, "OK", operation=operation)


def _discount(job: Job) -> EsmSellerDiscount:
    try:
        return EsmSellerDiscount.objects.get(goods_no=job.target_id)
    except EsmSellerDiscount.DoesNotExist:
        raise PlainFinalError(
            _("상품 %s의 판매자할인 설정이 삭제되었습니다.") % job.target_id
        ) from None


def _failed(job: Job, message: str) -> None:
    discount = EsmSellerDiscount.objects.filter(goods_no=job.target_id).first()
    if discount is None:
        return
    fields = {"last_error": message}
    if discount.local_state in (State.QUEUED, State.RELEASING):
        fields["local_state"] = State.FAILED
    _save(discount, **fields)


def _run_push(job: Job) -> dict:
    try:
        return _push_one(_discount(job), EsmClient(job=job))
    except FinalError as exc:
        raise _final(exc) from exc


def _run_release(job: Job) -> dict:
    discount = _discount(job)
    client = EsmClient(job=job)
    try:
        try:
            client.release_seller_discount(discount.goods_no)
        except EsmRefusal:
            remote = client.read_seller_discount(discount.goods_no)  # released already?
            _store_remote(discount, remote)
            if remote.registered:
                raise
    except RetryableError as exc:
        if exc.outcome_unknown:
            _save(discount, remote_state=Remote.UNKNOWN)
        raise
    except FinalError as exc:
        raise _final(exc) from exc
    _save(
        discount,
        remote_state=Remote.NOT_REGISTERED,
        local_state=State.RELEASED,
        pushed_payload={},
        last_error="",
    )
    return {"goodsNo": discount.goods_no, "status": "OK", "operation": "DELETE"}


def _read_failed(job: Job, message: str) -> None:
    EsmSellerDiscount.objects.filter(goods_no=job.target_id).update(
        last_error=message, updated_at=timezone.now()
    )


def _run_pull(job: Job) -> dict:
    discount = _discount(job)
    try:
        remote = EsmClient(job=job).read_seller_discount(discount.goods_no)
    except FinalError as exc:
        raise _final(exc) from exc
    differences = esm_seller_discount_differences(discount, remote)
    fields = {"last_error": ""}
    if discount.local_state not in (State.QUEUED, State.RELEASING):
        if differences:
            fields["local_state"] = State.DRAFT
        elif remote.registered:
            fields["local_state"] = State.SYNCED
            fields["pushed_payload"] = esm_seller_discount_body(discount).to_json()
    _store_remote(discount, remote, **fields)
    return {
        "goodsNo": discount.goods_no,
        "registered": remote.registered,
        "differences": differences,
    }


def _run_read(job: Job) -> dict:
    discount = _discount(job)
    try:
        remote = EsmClient(job=job).read_seller_discount(discount.goods_no)
    except FinalError as exc:
        raise _final(exc) from exc
    differences = esm_seller_discount_differences(discount, remote)
    if not remote.registered:
        _store_remote(discount, remote, last_error="")
        return {"goodsNo": discount.goods_no, "registered": False, "adopted": []}
    _adopt(discount, remote)
    try:
        discount.full_clean()
    except ValidationError as exc:
        _store_remote(EsmSellerDiscount.objects.get(pk=discount.pk), remote)
        raise PlainFinalError(
            _("ESM의 값이 이 화면의 규칙에 맞지 않아 가져오지 않았습니다: %s")
            % " ".join(exc.messages)
        ) from exc
    fields = {name: getattr(discount, name) for name in EDITABLE_FIELDS if name != "promotion"}
    _store_remote(
        discount,
        remote,
        **fields,
        local_state=State.SYNCED,
        pushed_payload=esm_seller_discount_body(discount).to_json(),
        last_error="",
    )
    return {"goodsNo": discount.goods_no, "registered": True, "adopted": differences}


def _bulk_failed(job: Job, message: str) -> None:
    bulk.bulk_failed(job, message, model=EsmSellerDiscount)


def _run_bulk_push(job: Job) -> dict:
    """Push every goods of the job; a goods' refusal is its outcome, bad keys stop the job."""
    return bulk.run_bulk(
        job,
        model=EsmSellerDiscount,
        push_one=_push_one,
        client=EsmClient(job=job),
        stop_on=(CredentialsError,),
        final=_final,
        missing_message=_("판매자할인 설정이 삭제되었습니다."),
    )


# Registered with the job engine by `EsmConfig.ready()`.
JOB_HANDLERS = [
    (TARGET_ESM_SELLER_DISCOUNT, "push", _run_push, _failed),
    (TARGET_ESM_SELLER_DISCOUNT, "release", _run_release, _failed),
    (TARGET_ESM_SELLER_DISCOUNT, "pull", _run_pull, _read_failed),
    (TARGET_ESM_SELLER_DISCOUNT, "read", _run_read, _read_failed),
    (TARGET_ESM_SELLER_DISCOUNT_BULK, "push", _run_bulk_push, _bulk_failed),
]
