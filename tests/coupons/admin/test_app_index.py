"""An app's own admin page (/admin/coupons/) keeps Django's model list: Django's app_index.html
extends admin/index.html, which this project turns into the desk."""

import pytest
from django.contrib.auth import get_user_model


@pytest.mark.django_db
def test_app_index_lists_the_apps_models_not_the_desk(client):
    admin = get_user_model().objects.create_superuser("root", "root@example.com", "pw-12345678")
    client.force_login(admin)

    page = client.get("/admin/coupons/").content.decode()

    assert 'href="/admin/coupons/membercoupon/"' in page
    assert 'href="/admin/coupons/promotion/"' in page
    assert 'id="desk"' not in page

    desk = client.get("/admin/").content.decode()
    assert 'id="desk"' in desk
