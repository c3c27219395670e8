"""`make run`'s demo data: complete, idempotent, and the demo users can log in."""

from io import StringIO

import pytest
from django.core.management import call_command

from coupons import codes
from coupons.models import Exhibition, Goods, Member, Promotion

pytestmark = pytest.mark.django_db


def test_load_demo_twice_and_log_in(client):
    out = StringIO()
    call_command("load_demo", stdout=out)
    call_command("load_demo", stdout=out)
    assert (
        Member.objects.count() == 200
        and Goods.objects.count() == 500
        and Exhibition.objects.count() == 3
    )
    assert set(Member.objects.values_list("grade_cd", flat=True)) == set(codes.Grade.values)
    promotions = Promotion.objects.all()
    assert promotions.count() == 10
    assert {p.promo_typ_cd for p in promotions} == set(codes.PromoType.values)
    assert {p.cpn_issu_main_cd for p in promotions} == set(codes.Issuer.values)
    assert {p.cpn_issu_way_cd for p in promotions} == set(codes.IssueMethod.values)
    assert promotions.filter(promo_stat_cd="APPROVED").count() == 8
    text = out.getvalue()
    for username, password in [("admin", "admin1234!"), ("md", "md1234!!"), ("cs", "cs1234!!")]:
        assert f"{username:6} / {password}" in text
        assert client.login(username=username, password=password)
        page = client.get("/admin/coupons/promotion/")
        assert page.status_code == 200 and "[데모]" in page.content.decode()
        client.logout()
