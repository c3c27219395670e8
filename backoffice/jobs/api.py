"""Admin REST API for jobs (mounted under /api/v1/admin/): follow any job to its end.

Operations that start a job answer 202 with `JobOut`; `jobs/{id}/` shows it as it stands."""

from __future__ import annotations

from django.urls import path
from django_filters import rest_framework as filters
from rest_framework import generics, serializers
from rest_framework.pagination import CursorPagination

from backoffice.permissions import ModelPermissions

from .models import Job


class JobOut(serializers.ModelSerializer):
    targetType = serializers.CharField(source="target_type")
    targetId = serializers.CharField(source="target_id")
    maxAttempts = serializers.IntegerField(source="max_attempts")
    nextAttemptAt = serializers.DateTimeField(source="next_attempt_at", allow_null=True)
    lastError = serializers.CharField(source="last_error")
    progressDone = serializers.IntegerField(source="progress_done")
    progressTotal = serializers.IntegerField(source="progress_total")
    createdBy = serializers.CharField(
        source="created_by.get_username", default=None, allow_null=True
    )
    createdAt = serializers.DateTimeField(source="created_at")
    updatedAt = serializers.DateTimeField(source="updated_at")
    finishedAt = serializers.DateTimeField(source="finished_at", allow_null=True)

    class Meta:
        model = Job
        fields = [
            "id",
            "targetType",
            "targetId",
            "operation",
            "payload",
            "status",
            "attempts",
            "maxAttempts",
            "nextAttemptAt",
            "lastError",
            "result",
            "progressDone",
            "progressTotal",
            "createdBy",
            "createdAt",
            "updatedAt",
            "finishedAt",
        ]


class JobPagination(CursorPagination):
    """Keyset paging, newest first: `rowsPerPage` 1–100, `cursor` from `next`."""

    page_size = 50
    page_size_query_param = "rowsPerPage"
    max_page_size = 100
    ordering = "-id"


class JobFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=Job.Status.choices)
    targetType = filters.CharFilter(field_name="target_type")
    targetId = filters.CharFilter(field_name="target_id")
    operation = filters.CharFilter()


class JobListView(generics.ListAPIView):
    permission_classes = [ModelPermissions]
    pagination_class = JobPagination
    queryset = Job.objects.select_related("created_by")
    serializer_class = JobOut
    filterset_class = JobFilter


class JobDetailView(generics.RetrieveAPIView):
    permission_classes = [ModelPermissions]
    queryset = Job.objects.select_related("created_by")
    serializer_class = JobOut


urlpatterns = [
    path("jobs/", JobListView.as_view(), name="admin-jobs"),
    path("jobs/<int:pk>/", JobDetailView.as_view(), name="admin-job"),
]
