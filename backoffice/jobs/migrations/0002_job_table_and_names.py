"""The job table takes this app's names: a rename of the table and its indexes (no data moves)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("jobs", "0001_initial"),
        ("marketplaces", "0004_jobs_move_to_the_job_engine"),
    ]

    operations = [
        migrations.AlterModelTable(name="job", table=None),
        migrations.RenameIndex(model_name="job", new_name="job_due_idx", old_name="syncjob_due_idx"),
        migrations.RenameIndex(
            model_name="job", new_name="job_target_idx", old_name="syncjob_target_idx"
        ),
        migrations.RemoveConstraint(model_name="job", name="syncjob_one_open_per_target"),
        migrations.RemoveConstraint(model_name="job", name="syncjob_max_attempts_gte_1"),
        migrations.AddConstraint(
            model_name="job",
            constraint=models.UniqueConstraint(
                condition=models.Q(("status__in", ["PENDING", "RUNNING"])),
                fields=("target_type", "target_id"),
                name="job_one_open_per_target",
            ),
        ),
        migrations.AddConstraint(
            model_name="job",
            constraint=models.CheckConstraint(
                condition=models.Q(("max_attempts__gte", 1)), name="job_max_attempts_gte_1"
            ),
        ),
    ]
