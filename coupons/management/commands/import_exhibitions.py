from coupons.catalog import exhibitions_upsert
from coupons.management.csv_import import CsvImportCommand


class Command(CsvImportCommand):
    help = "Create or update exhibitions from a CSV file; bad rows are reported and skipped."
    upsert = staticmethod(exhibitions_upsert)
    columns = ("exhibitionNo", "exhibitionNm", "goodsNoList")
