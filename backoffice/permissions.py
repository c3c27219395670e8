"""DRF permission classes shared by every admin REST resource."""

from rest_framework.permissions import DjangoModelPermissions


class ModelPermissions(DjangoModelPermissions):
    """Django model permissions, with `view_<model>` required for reads too.

    A view may narrow or widen what an action needs with `required_perms = {"action": [...]}`,
    where `action` is the viewset action or the lower-case HTTP method.
    """

    perms_map = {
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "OPTIONS": [],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
        "POST": ["%(app_label)s.add_%(model_name)s"],
        "PUT": ["%(app_label)s.change_%(model_name)s"],
        "PATCH": ["%(app_label)s.change_%(model_name)s"],
        "DELETE": ["%(app_label)s.delete_%(model_name)s"],
    }

    def has_permission(self, request, view):
        if not request.user or not request.user.is_authenticated:
            return False
        required = getattr(view, "required_perms", None) or {}
        action = getattr(view, "action", None)
        for key in (action, request.method.lower()):
            if key and key in required:
                return request.user.has_perms(required[key])
        return super().has_permission(request, view)
