from coupons.catalog import goods_upsert
from coupons.management.csv_import import CsvImportCommand


class Command(CsvImportCommand):
    help = "Create or update goods from a CSV file; bad rows are reported and skipped."
    upsert = staticmethod(goods_upsert)
    columns = ("goodsNo", "goodsNm", "salePrice", "entrNo", "dispCtgNo", "brandNo", "siteNo")
