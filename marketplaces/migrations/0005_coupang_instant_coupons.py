# Coupang instant-discount coupons (issue 16). Operations are written by the Coupang work.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("marketplaces", "0004_jobs_move_to_the_job_engine")]

    operations = []
