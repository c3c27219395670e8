"""What every admin REST resource shares: model permissions, keyset paging, django-filter."""

from __future__ import annotations

import re

from django_filters import rest_framework as filters
from rest_framework import exceptions, generics
from rest_framework.pagination import CursorPagination

from backoffice.permissions import ModelPermissions


class AdminCursorPagination(CursorPagination):
    """Keyset paging (no COUNT, no deep OFFSET): `rowsPerPage` 1–100, `cursor` from `next`."""

    page_size = 50
    page_size_query_param = "rowsPerPage"
    max_page_size = 100

    def get_ordering(self, request, queryset, view):
        return (view.cursor_ordering,)

    def decode_cursor(self, request):
        cursor = super().decode_cursor(request)
        position = cursor.position if cursor else None
        if position is not None:
            pattern = getattr(self._view, "cursor_position_re", r"^[^\x00]{1,40}$")
            if not re.match(pattern, position):
                raise exceptions.NotFound(self.invalid_cursor_message)
        return cursor

    def paginate_queryset(self, queryset, request, view=None):
        self._view = view
        return super().paginate_queryset(queryset, request, view)


class AdminView(generics.GenericAPIView):
    permission_classes = [ModelPermissions]
    pagination_class = AdminCursorPagination
    filter_backends = [filters.DjangoFilterBackend]
