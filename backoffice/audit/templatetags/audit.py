"""`{% audit_history_table obj %}`: an object's audit rows on its admin pages."""

from django import template
from django.template.loader import render_to_string

from backoffice.audit.admin import changes_table
from backoffice.audit.services import audit_history

register = template.Library()


@register.simple_tag
def audit_history_table(obj, limit=50):
    if obj is None or getattr(obj, "pk", None) is None:
        return ""
    rows = [(entry, changes_table(entry.changes)) for entry in audit_history(obj, limit=limit)]
    return render_to_string("admin/audit/history.html", {"rows": rows})
