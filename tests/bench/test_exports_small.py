"""A small version of the 10M-row export (bench/exports.py), on PostgreSQL: the member-coupon CSV
of 50,000 rows takes the same queries and no more Python memory than one of 10,000; a download
that loaded every row (a list, model instances, the whole file in the response) fails here."""

import tracemalloc

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.coupons.issuing_factories import approved_promotion, staff

pytestmark = [pytest.mark.pg, pytest.mark.django_db]

EXPORT = reverse("admin:coupons_membercoupon_export", args=["csv"])


def add_coupons(promotion, count: int) -> None:
    with connection.cursor() as cur:
        cur.execute(
            """
            INSERT INTO coupons_member (mbr_no, grade_cd, site_no)
            SELECT (700000000 + g)::text, '30', '1' FROM generate_series(1, 100) g
            ON CONFLICT DO NOTHING
            """
        )
        cur.execute(
            """
            INSERT INTO coupons_membercoupon
                (member_id, promotion_id, seq, issued_at, valid_from, valid_until, status, channel,
                 cs_cpn_pay_caus_cd, system_user_no, auto_issu_odr, memo, ord_no, revoke_reason)
            SELECT (700000001 + g %% 100)::text, %s, 1, now() - make_interval(secs => g),
                   now() - make_interval(secs => g), now() + interval '30 days',
                   'ISSUED', 'FO_DOWNLOAD', '', 'BENCH', '', 'memo ' || g, '', ''
            FROM generate_series(1, %s) g
            """,
            [promotion.pk, count],
        )


def export(client, promo_no: str) -> tuple[int, int, int, list[str]]:
    """(rows, bytes, Python memory peak, queries) of one download, read chunk by chunk."""
    tracemalloc.start()
    try:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(EXPORT, {"q": promo_no})
            assert response.status_code == 200
            rows = size = 0
            for chunk in response.streaming_content:
                size += len(chunk)
                rows += chunk.count(b"\r\n")
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return rows - 1, size, peak, [q["sql"] for q in queries]


def test_the_csv_of_50k_rows_takes_the_queries_and_memory_of_10k(client):
    small, large = approved_promotion(), approved_promotion()
    add_coupons(small, 10_000)
    add_coupons(large, 50_000)
    client.force_login(staff("bench-md", "Merchandiser"))

    export(client, "C9999999")  # once first: imports, URL and translation caches are not rows
    rows_10k, _size, peak_10k, queries_10k = export(client, small.promo_no)
    rows_50k, size_50k, peak_50k, queries_50k = export(client, large.promo_no)

    assert (rows_10k, rows_50k) == (10_000, 50_000)
    assert len(queries_50k) == len(queries_10k)
    # one SELECT of the rows, read from a server-side cursor in chunks
    selects = [sql for sql in queries_50k if '"coupons_membercoupon"."revoke_reason"' in sql]
    assert len(selects) == 1
    assert size_50k > 5_000_000
    # 50,000 rows as Python tuples are about 45 MB, the file itself 8 MB: the download holds
    # one chunk of rows (2,000) at a time, whatever their number.
    assert peak_50k < 8_000_000, peak_50k
    assert peak_50k < peak_10k + 1_000_000, (peak_10k, peak_50k)
