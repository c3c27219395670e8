"""`{% desk_panels %}`: the signed-in person's desk on the admin index (backoffice.desk)."""

from django import template
from django.utils.safestring import mark_safe

from backoffice.desk import desk_render

register = template.Library()


@register.simple_tag(takes_context=True)
def desk_panels(context):
    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return ""
    # each panel's template escaped its own content
    return mark_safe("".join(desk_render(request)))
