"""Admin for the member and catalog mirror (loaded by CSV imports and the bulk API)."""

from django.contrib import admin

from coupons.models import Exhibition, Goods, Member


@admin.register(Member)
class MemberAdmin(admin.ModelAdmin):
    list_display = ("mbr_no", "grade_cd", "birthday", "anniversary", "joined_at", "site_no")
    list_filter = ("grade_cd", "site_no")
    search_fields = ("=mbr_no",)
    show_full_result_count = False


@admin.register(Goods)
class GoodsAdmin(admin.ModelAdmin):
    list_display = (
        "goods_no",
        "goods_nm",
        "sale_price",
        "entr_no",
        "disp_ctg_no",
        "brand_no",
        "site_no",
    )
    search_fields = ("=goods_no", "goods_nm", "=entr_no", "=brand_no")
    show_full_result_count = False


@admin.register(Exhibition)
class ExhibitionAdmin(admin.ModelAdmin):
    list_display = ("exhibition_no", "exhibition_nm")
    search_fields = ("=exhibition_no", "exhibition_nm")
    autocomplete_fields = ("goods",)
