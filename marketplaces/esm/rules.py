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
