"""Every Coupang downloadable-coupon rule that can be checked before sending (MARKETPLACES.md),
one named function each. `Model.clean()`, the admin forms and the API (through the services)
call these; the table's CheckConstraints use the same constants.

A rule takes plain values and returns nothing, or raises `ValidationError({field: message})`.
Rules that need other rows get them from the caller (`items_not_taken`): this module reads no
table.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from marketplaces.rules import check_all, refuse

from .kst import format_kst

# Coupang shows a coupon an hour after it is created: a start sooner than that is refused.
CREATE_LEAD_TIME = timedelta(hours=1)
PRICE = "PRICE"
RATE = "RATE"
MIN_POLICIES, MAX_POLICIES = 1, 3
WON_UNIT = 10  # prices, fixed discounts and the rate cap are whole tens of won
MIN_DISCOUNT = 1
MIN_PRICE_DISCOUNT = 10
MIN_RATE, MAX_RATE = 1, 99
MIN_RATE_CAP = 10
MIN_PER_DAILY, MAX_PER_DAILY = 1, 9999


# --- the coupon ---------------------------------------------------------------------------------
def coupon_title_present(title: str | None) -> None:
    if title is not None and not title.strip():
        refuse("title", _("쿠폰명을 입력하세요."))


def end_after_start(start_at: datetime | None, end_at: datetime | None) -> None:
    if start_at and end_at and end_at <= start_at:
        refuse("end_at", _("종료 일시는 시작 일시 이후여야 합니다."))


def start_after_lead_time(start_at: datetime | None, now: datetime | None = None) -> None:
    now = now or timezone.now()
    if start_at and start_at < now + CREATE_LEAD_TIME:
        refuse(
            "start_at",
            _("시작 일시는 지금부터 1시간 이후여야 합니다 (%(min)s 이후).")
            % {"min": format_kst(now + CREATE_LEAD_TIME)},
        )


# Resending a create whose answer was lost may make a second coupon on Coupang (the first create
# may have succeeded): the merchandiser names the coupon to confirm WING shows none.
RESEND_CONFIRM_MISSING = gettext_lazy(
    "재전송하면 쿠팡에 같은 쿠폰이 하나 더 만들어질 수 있습니다 (첫 생성 요청이 처리되었을 수 "
    "있음). WING에서 먼저 확인하고, 없을 때만 이 쿠폰의 쿠폰명 또는 ID를 입력해 확인하세요."
)


def resend_confirmed(confirm: str | None, *, title: str, coupon_pk: int) -> None:
    """`confirm` names the coupon: its title or its id (`12` or `#12`)."""
    value = (confirm or "").strip()
    if not value:
        refuse("confirm", RESEND_CONFIRM_MISSING)
    if value != title.strip() and value.removeprefix("#") != str(coupon_pk):
        refuse(
            "confirm",
            _(
                "입력한 값이 이 쿠폰의 쿠폰명 또는 ID(%(id)s)와 다릅니다. 재전송하면 쿠팡에 "
                "쿠폰이 중복 생성될 수 있으니 WING에서 먼저 확인하세요."
            )
            % {"id": coupon_pk},
        )


# --- one policy (tier) --------------------------------------------------------------------------
def policy_title_present(title: str | None) -> None:
    if title is not None and not title.strip():
        refuse("title", _("정책명을 입력하세요."))


def minimum_price_in_tens(minimum_price: int | None) -> None:
    if minimum_price is not None and minimum_price % WON_UNIT:
        refuse("minimum_price", _("최소 주문 금액은 10원 단위로 입력하세요."))


def price_discount_in_tens(type_of_discount: str, discount: int | None) -> None:
    if type_of_discount == PRICE and discount is not None:
        if discount < MIN_PRICE_DISCOUNT or discount % WON_UNIT:
            refuse("discount", _("정액 할인은 10원 이상, 10원 단위로 입력하세요."))


def rate_discount_in_range(type_of_discount: str, discount: int | None) -> None:
    if type_of_discount == RATE and discount is not None and not MIN_RATE <= discount <= MAX_RATE:
        refuse("discount", _("정률 할인은 1~99% 사이의 정수로 입력하세요."))


def rate_cap_present(type_of_discount: str, cap: int | None) -> None:
    if type_of_discount != RATE:
        return
    if cap is None:
        refuse("maximum_discount_price", _("정률 할인은 최대 할인 금액이 필요합니다."))
    if cap < MIN_RATE_CAP or cap % WON_UNIT:
        refuse("maximum_discount_price", _("최대 할인 금액은 10원 이상, 10원 단위로 입력하세요."))


def per_daily_in_range(maximum_per_daily: int | None) -> None:
    if maximum_per_daily is not None and not MIN_PER_DAILY <= maximum_per_daily <= MAX_PER_DAILY:
        refuse("maximum_per_daily", _("1인 1일 최대 발급 수는 1~9999 사이로 입력하세요."))


def policy_row(policy) -> None:
    """Every rule of one policy row (a `CoupangCouponPolicy` or anything with its fields)."""
    p = policy
    check_all(
        (policy_title_present, p.title),
        (minimum_price_in_tens, p.minimum_price),
        (price_discount_in_tens, p.type_of_discount, p.discount),
        (rate_discount_in_range, p.type_of_discount, p.discount),
        (rate_cap_present, p.type_of_discount, p.maximum_discount_price),
        (per_daily_in_range, p.maximum_per_daily),
    )


# --- the policy set -----------------------------------------------------------------------------
def policy_count(policies: Sequence) -> None:
    if not MIN_POLICIES <= len(policies) <= MAX_POLICIES:
        refuse("policies", _("정책은 1~3개여야 합니다 (현재 %(n)s개).") % {"n": len(policies)})


def one_discount_type(policies: Sequence) -> None:
    if len({p.type_of_discount for p in policies}) > 1:
        refuse("policies", _("한 쿠폰의 정책은 모두 같은 할인 유형(PRICE 또는 RATE)이어야 합니다."))


def policy_rows(policies: Sequence) -> None:
    """Each row's own rules, as `policies` errors naming the row ("정책 2: …")."""
    errors = []
    for index, policy in enumerate(policies):
        try:
            policy_row(policy)
        except ValidationError as exc:
            for _field, messages in exc.message_dict.items():
                errors += [
                    _("정책 %(n)s: %(message)s") % {"n": index + 1, "message": m} for m in messages
                ]
    if errors:
        raise ValidationError({"policies": errors})


# --- the vendor items (option ids) --------------------------------------------------------------
def items_present(ids: Sequence) -> None:
    if not ids:
        refuse("items", _("옵션 ID(vendorItemId)를 하나 이상 입력하세요."))


def items_positive(ids: Sequence) -> None:
    if any(not isinstance(i, int) or i <= 0 for i in ids):
        refuse("items", _("옵션 ID는 양의 정수여야 합니다."))


def items_unique(ids: Sequence) -> None:
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        refuse("items", _("옵션 ID가 중복되었습니다: %s") % ", ".join(map(str, duplicates)))


def items_not_taken(taken: Iterable[tuple[int, int, str]]) -> None:
    """A vendor item belongs to one live coupon (CIR14). `taken`: (vendor item, coupon id, coupon
    title) of the requested items another live coupon holds."""
    messages = [
        _("옵션 %(item)s은(는) 이미 다른 쿠폰(#%(id)s %(title)s)에 등록되어 있습니다.")
        % {"item": item, "id": coupon_id, "title": title}
        for item, coupon_id, title in taken
    ]
    if messages:
        raise ValidationError({"items": messages})


# --- instant-discount coupons (즉시할인쿠폰, MARKETPLACES.md "Instant-discount coupons") --------
FIXED_WITH_QUANTITY = "FIXED_WITH_QUANTITY"
INSTANT_TYPES = (RATE, PRICE, FIXED_WITH_QUANTITY)
INSTANT_NAME_MAX = 45
MIN_MAX_DISCOUNT_PRICE = 10
MAX_INSTANT_ITEMS_PER_CALL = 10_000


def instant_name_valid(name: str | None) -> None:
    if name is None:
        return
    if not name.strip():
        refuse("name", _("쿠폰명을 입력하세요."))
    if len(name) > INSTANT_NAME_MAX:
        refuse(
            "name",
            _("쿠폰명은 %(max)s자 이내로 입력하세요 (현재 %(n)s자).")
            % {"max": INSTANT_NAME_MAX, "n": len(name)},
        )


def instant_type_known(type_: str | None) -> None:
    if type_ is not None and type_ not in INSTANT_TYPES:
        refuse("type", _("할인 유형은 RATE, PRICE, FIXED_WITH_QUANTITY 중 하나여야 합니다."))


def instant_discount_by_type(type_: str | None, discount: int | None) -> None:
    """RATE: a whole percent 1–99; PRICE and FIXED_WITH_QUANTITY: ≥ 10 KRW in 10 KRW steps."""
    if discount is None or type_ not in INSTANT_TYPES:
        return
    if type_ == RATE:
        if not MIN_RATE <= discount <= MAX_RATE:
            refuse("discount", _("정률 할인은 1~99% 사이의 정수로 입력하세요."))
    elif discount < MIN_PRICE_DISCOUNT or discount % WON_UNIT:
        refuse("discount", _("정액 할인은 10원 이상, 10원 단위로 입력하세요."))


def instant_max_discount_price(value: int | None) -> None:
    if value is not None and value < MIN_MAX_DISCOUNT_PRICE:
        refuse("max_discount_price", _("최대 할인 금액은 10원 이상이어야 합니다."))


def instant_start_not_past(start_at: datetime | None, now: datetime | None = None) -> None:
    now = now or timezone.now()
    if start_at and start_at < now:
        refuse(
            "start_at",
            _("시작 일시가 이미 지났습니다 (%(now)s 이후로 입력하세요).")
            % {"now": format_kst(now)},
        )


def instant_items_per_call(ids: Sequence) -> None:
    if len(ids) > MAX_INSTANT_ITEMS_PER_CALL:
        refuse(
            "items",
            _("즉시할인쿠폰 옵션은 한 번에 %(max)s개까지 보낼 수 있습니다 (%(n)s개).")
            % {"max": f"{MAX_INSTANT_ITEMS_PER_CALL:,}", "n": f"{len(ids):,}"},
        )


def instant_coupon_terms(coupon, *, now: datetime | None = None) -> None:
    """Every rule of an instant coupon about to be sent (the row's and the clock's)."""
    check_all(
        (coupon.clean,),
        (instant_start_not_past, coupon.start_at, now),
    )


def instant_items_unique(ids: Sequence) -> None:
    """No option twice (counted once each: a coupon carries tens of thousands)."""
    duplicates = sorted(i for i, n in Counter(ids).items() if n > 1)
    if duplicates:
        refuse("items", _("옵션 ID가 중복되었습니다: %s") % ", ".join(map(str, duplicates[:20])))


def instant_items_already_added(already: Sequence) -> None:
    """`already`: the options to add that the coupon has."""
    if already:
        refuse(
            "items",
            _("이미 이 쿠폰에 있는 옵션입니다: %s") % ", ".join(map(str, list(already)[:20])),
        )


def instant_items(ids: Sequence) -> None:
    """Options to add: at least one, positive whole numbers, none twice."""
    check_all((items_present, ids), (items_positive, ids), (instant_items_unique, ids))
