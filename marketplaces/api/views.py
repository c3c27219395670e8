"""What every marketplace's admin REST API shares: keyset paging, permissions, the mapping of a
service's field errors to API names, the POST → 202 job action, and the sync jobs themselves.

DRF generic views, one class per operation. Actions answer 202 with the sync job to follow
(`sync-jobs/{id}/`)."""

from __future__ import annotations

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiResponse
from rest_framework import exceptions, generics, status
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response

from backoffice.jobs.api import JobOut
from backoffice.jobs.models import Job
from backoffice.permissions import ModelPermissions
from marketplaces.models import HttpExchange

from .serializers import SyncJobDetailOut

JOB_ACCEPTED = {202: OpenApiResponse(JobOut, description="the sync job to follow")}


class KeysetPagination(CursorPagination):
    """Keyset paging, newest first: `rowsPerPage` 1–100, `cursor` from `next`."""

    page_size = 50
    page_size_query_param = "rowsPerPage"
    max_page_size = 100
    ordering = "-id"


def api_errors(exc: DjangoValidationError, names: dict[str, str]) -> exceptions.ValidationError:
    """A service's field errors under the API's field names (`names`: model field -> API name)."""
    if not hasattr(exc, "error_dict"):
        return exceptions.ValidationError({"non_field_errors": exc.messages})
    names = {**names, NON_FIELD_ERRORS: "non_field_errors"}
    return exceptions.ValidationError(
        {names.get(field, field): messages for field, messages in exc.message_dict.items()}
    )


class MarketplaceView(generics.GenericAPIView):
    permission_classes = [ModelPermissions]
    pagination_class = KeysetPagination
    # Model field -> API name, for the service's field errors.
    field_names: dict[str, str] = {}

    def refused(self, exc: DjangoValidationError) -> exceptions.ValidationError:
        return api_errors(exc, self.field_names)

    def accepted(self, job: Job) -> Response:
        job.refresh_from_db()
        return Response(JobOut(job).data, status=status.HTTP_202_ACCEPTED)


class JobActionView(MarketplaceView):
    """POST (with `input_serializer`'s body, if any) → 202 with the sync job `start` queued."""

    serializer_class = JobOut
    pagination_class = None
    input_serializer = None
    # Without an input body: `service(<service_key>=obj, user=…)`; else override `start`.
    service = None
    service_key = ""

    def start(self, obj, data) -> Job:
        return type(self).service(**{self.service_key: obj}, user=self.request.user)

    def post(self, request, **kwargs):
        obj = self.get_object()
        data = None
        if self.input_serializer:
            parsed = self.input_serializer(data=request.data)
            parsed.is_valid(raise_exception=True)
            data = parsed.validated_data
        try:
            job = self.start(obj, data)
        except DjangoValidationError as exc:
            raise self.refused(exc) from None
        return self.accepted(job)


# --- sync jobs ---------------------------------------------------------------------------------
class SyncJobFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=Job.Status.choices)
    targetType = filters.CharFilter(field_name="target_type")
    targetId = filters.CharFilter(field_name="target_id")
    operation = filters.CharFilter()


class SyncJobListView(MarketplaceView, generics.ListAPIView):
    queryset = Job.objects.select_related("created_by")
    serializer_class = JobOut
    filterset_class = SyncJobFilter


class SyncJobDetailView(MarketplaceView, generics.RetrieveAPIView):
    queryset = Job.objects.select_related("created_by").prefetch_related(
        Prefetch("exchanges", queryset=HttpExchange.objects.order_by("id"))
    )
    serializer_class = SyncJobDetailOut
