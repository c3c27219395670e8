"""Mark issued coupons past their validity EXPIRED (one set-based UPDATE)."""

from django.core.management.base import BaseCommand

from coupons.issuing import coupons_expire


class Command(BaseCommand):
    help = "Mark every ISSUED member coupon whose validity has ended EXPIRED."

    def handle(self, *args, **options):
        count = coupons_expire()
        self.stdout.write(f"expired {count} coupons")
