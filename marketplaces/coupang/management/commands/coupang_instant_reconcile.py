"""Reconcile the vendor's Coupang instant-discount coupons with the back-office (cron-able)."""

from django.core.management.base import BaseCommand, CommandError

from backoffice.errors import Conflict
from backoffice.jobs.services import job_run_to_end
from marketplaces.coupang.instant import coupang_instant_reconcile
from marketplaces.coupang.models import CoupangInstantFinding


class Command(BaseCommand):
    help = (
        "List the vendor's instant coupons on Coupang (every status, every page) and record what "
        "exists there but not here and what differs (name, discount, period, status)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--queue",
            action="store_true",
            help="only queue the job (a worker runs it); by default it runs here to the end",
        )

    def handle(self, *args, queue=False, **options):
        try:
            job = coupang_instant_reconcile(user=None, dispatch=queue)
        except Conflict as exc:
            raise CommandError(exc.message) from None
        if queue:
            self.stdout.write(f"queued job #{job.pk}")
            return
        job = job_run_to_end(job.pk)
        if job.status != "SUCCEEDED":
            raise CommandError(f"job #{job.pk} {job.status}: {job.last_error}")
        self.stdout.write(
            "job #{id}: {listed} listed, {remote} only on Coupang, {differs} differ".format(
                id=job.pk,
                listed=job.result.get("listed", 0),
                remote=job.result.get("remoteOnly", 0),
                differs=job.result.get("differs", 0),
            )
        )
        for finding in CoupangInstantFinding.objects.select_related("coupon"):
            self.stdout.write(f"  {finding.kind} {finding.remote_coupon_id} {finding.name}")
