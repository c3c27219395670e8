# ESM seller discounts (issue 16). Operations are written by the ESM work.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("marketplaces", "0005_coupang_instant_coupons")]

    operations = []
