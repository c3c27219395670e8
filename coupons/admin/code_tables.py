"""Admin for the extensible code tables (MK008 auto-issue types in particular)."""

from django.contrib import admin

from coupons.models import CommonCode


@admin.register(CommonCode)
class CommonCodeAdmin(admin.ModelAdmin):
    list_display = ("group", "code", "name", "sort_order", "in_use")
    list_filter = ("group", "in_use")
    list_editable = ("name", "sort_order", "in_use")
    search_fields = ("=group", "=code", "name")
    ordering = ("group", "sort_order", "code")

    def get_readonly_fields(self, request, obj=None):
        return ("group", "code") if obj else ()
