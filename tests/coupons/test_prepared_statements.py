"""The storefront's fixed-shape reads (selectors.CompiledQuery) run as prepared statements on
PostgreSQL, planned once per connection, and as ordinary statements when DB_PREPARED_STATEMENTS
is off."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from coupons.models import Goods
from coupons.selectors import CompiledQuery

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's"
    ),
]


def _prepared(marker: str) -> int:
    """How many statements prepared in this session select `marker` (a column alias)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
            [f'%AS "{marker}"%'],
        )
        return cursor.fetchone()[0]


def _query(marker: str) -> CompiledQuery:
    # A shape of its own (its alias), so no earlier test on this connection prepared it.
    return CompiledQuery(
        lambda nm: (
            Goods.objects.filter(goods_nm=nm)
            .order_by("goods_no")
            .extra(select={marker: "1"})
            .values_list("goods_no", "sale_price", marker)
        ),
        nm=str,
    )


@pytest.fixture
def umbrella():
    Goods.objects.create(
        goods_no="7000001",
        goods_nm="접이식 우산",
        sale_price=12000,
        site_no="1",
        disp_ctg_no="100",
        entr_no="E1",
        brand_no="B1",
    )


@pytest.mark.parametrize("enabled, plans", [(True, 1), (False, 0)])
def test_a_hot_read_is_prepared_once_when_enabled(umbrella, settings, enabled, plans):
    settings.DB_PREPARED_STATEMENTS = enabled
    marker = f"prepared_probe_{int(enabled)}"
    query = _query(marker)
    with CaptureQueriesContext(connection) as queries:
        answers = [query.rows(nm="접이식 우산") for _ in range(3)] + [query.rows(nm="장우산")]
    assert answers == [[("7000001", 12000, 1)]] * 3 + [[]]
    assert len(queries) == 4  # logged like any statement, one a call, with its SQL
    assert all('FROM "coupons_goods"' in q["sql"] for q in queries)
    assert _prepared(marker) == plans  # one plan for every value, or none when off
