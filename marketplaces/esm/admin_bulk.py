"""The page of one ESM bulk job (sponsorships or seller discounts): its progress and one outcome
per goods, filtered by status. Both ESM admins serve it from their own `bulk-jobs/<id>/` URL."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse

from backoffice.jobs.models import Job

SHOWN_OUTCOMES = 2000  # at most this many rows on the page; the rest are counted


def bulk_job_page(modeladmin, request, job_id: int, *, target_type: str, title: str):
    """The bulk job `job_id` of `target_type` for `modeladmin`'s users (403 without view)."""
    if not modeladmin.has_view_permission(request):
        raise PermissionDenied
    job = get_object_or_404(Job, pk=job_id, target_type=target_type)
    result = job.result or {}
    status = request.GET.get("status")
    shown = [o for o in result.get("outcomes", []) if not status or o.get("status") == status]
    return TemplateResponse(
        request,
        "admin/marketplaces/esm_bulk_job.html",
        {
            **modeladmin.admin_site.each_context(request),
            "opts": modeladmin.model._meta,
            "title": title,
            "job": job,
            "result": result,
            "percent": job.percent or 0,
            "outcomes": shown[:SHOWN_OUTCOMES],
            "hidden": max(0, len(shown) - SHOWN_OUTCOMES),
            "status": status or "",
        },
    )
