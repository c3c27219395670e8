"""Jobs move to the job engine (`backoffice.jobs`): the exchange log points at `jobs.Job`, which is
the same table, so only the migration state changes here."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("jobs", "0001_initial"),
        ("marketplaces", "0003_coupang_rate_cap_not_null"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="httpexchange",
                    name="job",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="exchanges",
                        to="jobs.job",
                        verbose_name="작업",
                    ),
                ),
                migrations.DeleteModel(name="SyncJob"),
            ],
            database_operations=[],
        ),
    ]
