"""The audit list (filters: door, object type, user, date) and what every read-only log shares:
rows nobody but a superuser may change or delete."""

from __future__ import annotations

from django.contrib import admin
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from .models import AuditEntry


class SuperuserOnlyWritesMixin:
    """A log's admin: nobody adds rows by hand; only a superuser may change or delete them."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser


def changes_table(changes: dict):
    """{field: [old, new]} as a small old → new table."""
    if not changes:
        return "-"
    return format_html(
        '<table class="audit-changes"><tr><th>{}</th><th>{}</th><th>{}</th></tr>{}</table>',
        _("항목"),
        _("이전"),
        _("이후"),
        format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            ((field, _show(old), _show(new)) for field, (old, new) in changes.items()),
        ),
    )


def _show(value) -> str:
    if value is None or value == "" or value == []:
        return "-"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}={v}" for k, v in value.items())
    return str(value)


@admin.register(AuditEntry)
class AuditEntryAdmin(SuperuserOnlyWritesMixin, admin.ModelAdmin):
    list_display = ("at", "door", "user", "action", "content_type", "object_repr", "summary")
    list_filter = ("door", "content_type", "action", ("at", admin.DateFieldListFilter), "user")
    search_fields = ("=object_id",)
    search_help_text = _("대상 ID로 검색")
    list_select_related = ("user", "content_type")
    date_hierarchy = "at"
    show_full_result_count = False
    fields = (
        "at",
        "door",
        "user",
        "action",
        "content_type",
        "object_id",
        "object_repr",
        "changes_display",
        "extra",
    )

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    @admin.display(description=_("변경 내용"))
    def summary(self, obj):
        names = ", ".join(obj.changes)
        return (names[:80] + "…") if len(names) > 80 else (names or "-")

    @admin.display(description=_("변경 내용 (이전 → 이후)"))
    def changes_display(self, obj):
        return changes_table(obj.changes)
