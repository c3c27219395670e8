from coupons.catalog import members_upsert
from coupons.management.csv_import import CsvImportCommand


class Command(CsvImportCommand):
    help = "Create or update members from a CSV file; bad rows are reported and skipped."
    upsert = staticmethod(members_upsert)
    columns = ("mbrNo", "gradeCd", "birthday", "anniversary", "joinedAt", "siteNo")
