"""Which marketplace promotions mirror a mall promotion: a registry the marketplace apps fill.

The mall's promotion page shows the marketplace offers that are the same offer (a Coupang coupon,
an ESM seller discount, …) without the coupons app knowing any marketplace: each marketplace
registers, from its app's `ready()`, a function that answers the mirrors of one promotion, and the
promotion's admin page renders `mirrors_of(promotion)`. The marketplace's own pages link back to
the promotion through their foreign key.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Mirror:
    """One marketplace promotion that mirrors a mall promotion, as the mall's page lists it."""

    kind: str  # what it is, in the user's language: "쿠팡 즉시할인쿠폰", "ESM 판매자할인"
    label: str  # its name or number
    url: str  # its admin change page
    status: str = ""  # its status, in words


MirrorSource = Callable[[Any], Iterable[Mirror]]
_SOURCES: list[MirrorSource] = []


def register_mirrors(source: MirrorSource) -> None:
    """Register `source(promotion) -> iterable of Mirror`; registering the same one twice is a
    no-op (ready() may run twice in tests)."""
    if source not in _SOURCES:
        _SOURCES.append(source)


def mirrors_of(promotion) -> list[Mirror]:
    """Every registered marketplace promotion mirroring `promotion`, source by source."""
    return [mirror for source in _SOURCES for mirror in source(promotion)]
