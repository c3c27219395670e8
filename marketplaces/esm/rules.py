"""Every ESM sponsorship rule (MARKETPLACES.md, ESM), one named function each. `Model.clean()`, the
admin form and the API (through the services) call these; the table's CheckConstraints use the
same constants.

A rule takes plain values (or the row, where it reads several fields) and returns nothing, or
raises `ValidationError({field: message})`. The 80 % rule needs ESM's Gmarket price: the services
read it and keep it on the row before `amount_within_price_ratio` looks at it.
"""

from __future__ import annotations

from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from marketplaces.rules import check_all, refuse

MIN_AMOUNT = 100
MIN_MAX_AMOUNT = 10_000
MAX_PRICE_RATIO_PERCENT = 80
MIN_FIELD, MAX_FIELD = 1, 6

GMARKET_REQUIRED = {
    "gmkt_amount": gettext_lazy("후원금액을 입력하세요."),
    "gmkt_max_amount": gettext_lazy("누적적립한도액을 입력하세요."),
    "gmkt_field": gettext_lazy("후원분야를 선택하세요."),
    "gmkt_start_date": gettext_lazy("후원 시작일을 입력하세요."),
    "gmkt_end_date": gettext_lazy("후원 종료일을 입력하세요."),
}


def read_at_text(moment: datetime) -> str:
    """When a value was read from ESM, as the admin and the messages show it."""
    return date_format(timezone.localtime(moment), "Y-m-d H:i")


def amount_ceiling(price_gmkt: int | None) -> int | None:
    """80 % of the Gmarket price (KRW, rounded down), or None without a price."""
    if price_gmkt is None:
        return None
    return price_gmkt * MAX_PRICE_RATIO_PERCENT // 100


def goods_no_format(goods_no: str | None) -> None:
    goods_no = goods_no or ""
    if goods_no and not (goods_no.isascii() and goods_no.isdigit() and goods_no[0] != "0"):
        refuse("goods_no", _("상품번호는 0으로 시작하지 않는 숫자여야 합니다."))


def gmarket_complete(sponsorship) -> None:
    """Gmarket 후원쇼핑 in use needs its amount, cap, field and dates."""
    if not sponsorship.gmkt_is_use:
        return
    missing = {
        name: str(message)
        for name, message in GMARKET_REQUIRED.items()
        if getattr(sponsorship, name) is None
    }
    if missing:
        raise ValidationError(missing)


def auction_complete(sponsorship) -> None:
    """Auction 나눔쇼핑 in use needs its dates."""
    if not sponsorship.iac_is_use:
        return
    missing = {}
    if sponsorship.iac_start_date is None:
        missing["iac_start_date"] = _("나눔 시작일을 입력하세요.")
    if sponsorship.iac_end_date is None:
        missing["iac_end_date"] = _("나눔 종료일을 입력하세요.")
    if missing:
        raise ValidationError(missing)


def amount_at_least_minimum(amount: int | None) -> None:
    if amount is not None and amount < MIN_AMOUNT:
        refuse("gmkt_amount", _("후원금액은 100원 이상이어야 합니다."))


def max_amount_at_least_minimum(max_amount: int | None) -> None:
    if max_amount is not None and max_amount < MIN_MAX_AMOUNT:
        refuse("gmkt_max_amount", _("누적적립한도액은 10,000원 이상이어야 합니다."))


def field_in_range(field: int | None) -> None:
    if field is not None and not MIN_FIELD <= field <= MAX_FIELD:
        refuse("gmkt_field", _("후원분야는 1~6 중 하나여야 합니다."))


def gmarket_dates_in_order(start: date | None, end: date | None) -> None:
    if start and end and start > end:
        refuse("gmkt_end_date", _("후원 종료일은 시작일과 같거나 이후여야 합니다."))


def auction_dates_in_order(start: date | None, end: date | None) -> None:
    if start and end and start > end:
        refuse("iac_end_date", _("나눔 종료일은 시작일과 같거나 이후여야 합니다."))


def sponsorship_row(sponsorship) -> None:
    """Every one-row rule (all but the 80 % rule). Raises one ValidationError with all."""
    s = sponsorship
    check_all(
        (goods_no_format, s.goods_no),
        (gmarket_complete, s),
        (auction_complete, s),
        (amount_at_least_minimum, s.gmkt_amount),
        (max_amount_at_least_minimum, s.gmkt_max_amount),
        (field_in_range, s.gmkt_field),
        (gmarket_dates_in_order, s.gmkt_start_date, s.gmkt_end_date),
        (auction_dates_in_order, s.iac_start_date, s.iac_end_date),
    )


def amount_within_price_ratio(sponsorship) -> None:
    """Amount ≤ 80 % of the Gmarket price stored on the row. Raises ValidationError."""
    s = sponsorship
    if not s.gmkt_is_use or s.gmkt_amount is None:
        return
    if s.price_gmkt is None:
        refuse("gmkt_amount", _("G마켓 판매가를 ESM에서 받지 못해 80% 한도를 확인할 수 없습니다."))
    ceiling = amount_ceiling(s.price_gmkt)
    if s.gmkt_amount > ceiling:
        refuse(
            "gmkt_amount",
            _(
                "후원금액 %(amount)s원이 G마켓 판매가 %(price)s원(%(at)s 조회)의 80%%인 %(ceiling)s원을 "
                "넘습니다."
            )
            % {
                "amount": f"{s.gmkt_amount:,}",
                "price": f"{s.price_gmkt:,}",
                "at": read_at_text(s.price_read_at),
                "ceiling": f"{ceiling:,}",
            },
        )


# =================================================================================================
# Seller discounts (판매자할인), per site: type 0 none / 1 fixed amount / 2 rate
# =================================================================================================
DISCOUNT_MIN_AMOUNT = 100
DISCOUNT_AMOUNT_STEP = 10
DISCOUNT_MIN_RATE, DISCOUNT_MAX_RATE = 1, 70
DISCOUNT_MAX_PRICE_RATIO_PERCENT = 70
TYPE_NONE, TYPE_AMOUNT, TYPE_RATE = 0, 1, 2
SITES = ("gmkt", "iac")


def site_label(site: str) -> str:
    """The site's name in the user's language."""
    return str({"gmkt": gettext_lazy("G마켓"), "iac": gettext_lazy("옥션")}[site])


def discount_ceiling(price: int | None) -> int | None:
    """70 % of a sale price (KRW, rounded down), or None without a price."""
    if price is None:
        return None
    return price * DISCOUNT_MAX_PRICE_RATIO_PERCENT // 100


def _site(discount, site: str) -> tuple:
    """(type, value 1, value 2, start, end) of one site's block."""
    return tuple(
        getattr(discount, f"{site}_{name}")
        for name in ("type", "price_or_rate1", "price_or_rate2", "start_date", "end_date")
    )


def discount_in_use_somewhere(is_use: bool, gmkt_type: int, iac_type: int) -> None:
    """A discount in use needs a type on at least one site."""
    if is_use and gmkt_type == TYPE_NONE and iac_type == TYPE_NONE:
        refuse(
            "__all__",
            _("판매자할인을 사용하면 G마켓과 옥션 중 하나 이상에 할인 방식을 고르세요."),
        )


def discount_type_known(site: str, kind: int | None) -> None:
    if kind not in (TYPE_NONE, TYPE_AMOUNT, TYPE_RATE):
        refuse(
            f"{site}_type",
            _("%(site)s 할인 방식은 0(없음), 1(정액), 2(정률) 중 하나여야 합니다.")
            % {"site": site_label(site)},
        )


def discount_site_complete(site: str, kind, value1, value2, start, end) -> None:
    """A site with a type needs its first value and both dates; a site without one, no values."""
    label = site_label(site)
    errors = {}
    if kind == TYPE_NONE:
        for n, value in ((1, value1), (2, value2)):
            if value is not None:
                errors[f"{site}_price_or_rate{n}"] = _(
                    "%(site)s 할인 방식이 '할인 없음'이면 할인값을 비워 두세요."
                ) % {"site": label}
    elif kind in (TYPE_AMOUNT, TYPE_RATE):
        if value1 is None:
            errors[f"{site}_price_or_rate1"] = _("%(site)s 할인값 1을 입력하세요.") % {
                "site": label
            }
        if start is None:
            errors[f"{site}_start_date"] = _("%(site)s 할인 시작일을 입력하세요.") % {"site": label}
        if end is None:
            errors[f"{site}_end_date"] = _("%(site)s 할인 종료일을 입력하세요.") % {"site": label}
    if errors:
        raise ValidationError(errors)


def discount_amount_at_least_minimum(site: str, field: str, kind, value) -> None:
    """A fixed amount is at least 100 KRW."""
    if kind == TYPE_AMOUNT and value is not None and value < DISCOUNT_MIN_AMOUNT:
        refuse(
            field, _("%(site)s 할인금액은 100원 이상이어야 합니다.") % {"site": site_label(site)}
        )


def discount_amount_in_steps_of_10(site: str, field: str, kind, value) -> None:
    """A fixed amount is a multiple of 10 KRW."""
    if kind == TYPE_AMOUNT and value is not None and value % DISCOUNT_AMOUNT_STEP:
        refuse(field, _("%(site)s 할인금액은 10원 단위여야 합니다.") % {"site": site_label(site)})


def discount_rate_in_range(site: str, field: str, kind, value) -> None:
    """A rate is a whole percent, 1–70."""
    if (
        kind == TYPE_RATE
        and value is not None
        and not (DISCOUNT_MIN_RATE <= value <= DISCOUNT_MAX_RATE)
    ):
        refuse(field, _("%(site)s 할인율은 1~70%% 여야 합니다.") % {"site": site_label(site)})


def discount_rates_total_within_70(site: str, kind, value1, value2) -> None:
    """Two rates together are at most 70 %."""
    if kind != TYPE_RATE or value1 is None or value2 is None:
        return
    if value1 + value2 > DISCOUNT_MAX_RATE:
        refuse(
            f"{site}_price_or_rate2",
            _("%(site)s 할인율 1과 2의 합 %(total)s%%가 70%%를 넘습니다.")
            % {"site": site_label(site), "total": value1 + value2},
        )


def discount_dates_in_order(site: str, start: date | None, end: date | None) -> None:
    if start and end and start > end:
        refuse(
            f"{site}_end_date",
            _("%(site)s 할인 종료일은 시작일과 같거나 이후여야 합니다.")
            % {"site": site_label(site)},
        )


def seller_discount_row(discount) -> None:
    """Every one-row rule of a seller discount (all but the 70 % rule). Raises one
    ValidationError with all of them."""
    checks: list[tuple] = [
        (goods_no_format, discount.goods_no),
        (discount_in_use_somewhere, discount.is_use, discount.gmkt_type, discount.iac_type),
    ]
    for site in SITES:
        kind, value1, value2, start, end = _site(discount, site)
        checks += [
            (discount_type_known, site, kind),
            (discount_site_complete, site, kind, value1, value2, start, end),
            (discount_dates_in_order, site, start, end),
            (discount_rates_total_within_70, site, kind, value1, value2),
        ]
        for n, value in ((1, value1), (2, value2)):
            field = f"{site}_price_or_rate{n}"
            checks += [
                (discount_amount_at_least_minimum, site, field, kind, value),
                (discount_amount_in_steps_of_10, site, field, kind, value),
                (discount_rate_in_range, site, field, kind, value),
            ]
    check_all(*checks)


def sites_needing_price(discount) -> list[str]:
    """The sites whose fixed amount the 70 % rule must check against a price read from ESM."""
    return [s for s in SITES if getattr(discount, f"{s}_type") == TYPE_AMOUNT]


def discount_within_price_ratio(discount) -> None:
    """Each site's fixed amount (value 1 + value 2) ≤ 70 % of that site's price stored on the
    row; the refusal names the site, the price and when it was read. Raises ValidationError."""
    errors = {}
    for site in sites_needing_price(discount):
        _kind, value1, value2, _start, _end = _site(discount, site)
        if value1 is None:
            continue
        field = f"{site}_price_or_rate1"
        price = getattr(discount, f"price_{site}")
        label = site_label(site)
        if price is None or discount.price_read_at is None:
            errors[field] = _(
                "%(site)s 판매가를 ESM에서 받지 못해 70%% 한도를 확인할 수 없습니다."
            ) % {"site": label}
            continue
        total = value1 + (value2 or 0)
        ceiling = discount_ceiling(price)
        if total > ceiling:
            errors[field] = _(
                "%(site)s 할인금액 %(amount)s원이 %(site)s 판매가 %(price)s원(%(at)s 조회)의 "
                "70%%인 %(ceiling)s원을 넘습니다."
            ) % {
                "site": label,
                "amount": f"{total:,}",
                "price": f"{price:,}",
                "at": read_at_text(discount.price_read_at),
                "ceiling": f"{ceiling:,}",
            }
    if errors:
        raise ValidationError(errors)
