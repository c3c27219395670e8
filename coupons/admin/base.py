"""What the custom admin pages share."""


class AdminPagesMixin:
    """The context of a custom page rendered inside the admin (header, breadcrumbs, permissions)."""

    def _context(self, request, title, **extra):
        return {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": title,
            "has_view_permission": self.has_view_permission(request),
            **extra,
        }
