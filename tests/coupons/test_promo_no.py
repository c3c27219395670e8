"""promoNo is taken from an atomically updated counter: distinct under concurrency."""

import threading

import pytest
from django.db import connection

from coupons.models import Promotion
from coupons.services import promotion_create
from tests.factories import promotion_data, user


@pytest.mark.django_db
def test_promo_no_sequence_format():
    md = user("md", "Merchandiser")
    numbers = [promotion_create(user=md, data=promotion_data()).promo_no for _ in range(3)]
    assert numbers == ["C1000000", "C1000001", "C1000002"]


@pytest.mark.pg
@pytest.mark.django_db(transaction=True)
def test_eight_threads_fifty_each_yield_400_distinct_numbers():
    md = user("md", "Merchandiser")
    barrier = threading.Barrier(8)
    errors: list[BaseException] = []

    def work():
        try:
            barrier.wait()
            for _ in range(50):
                promotion_create(user=md, data=promotion_data())
        except BaseException as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    numbers = list(Promotion.objects.values_list("promo_no", flat=True))
    assert len(numbers) == 400 and len(set(numbers)) == 400
    assert sorted(numbers) == [f"C{1000000 + i}" for i in range(400)]
