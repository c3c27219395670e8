from django.contrib import admin
from django.shortcuts import resolve_url
from django.template.response import TemplateResponse
from django.urls import include, path
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from backoffice import health
from backoffice.api_errors import API_PREFIXES, error_response

handler400 = "backoffice.api_errors.bad_request"
handler403 = "backoffice.urls.permission_denied"
handler404 = "backoffice.api_errors.not_found"
handler500 = "backoffice.api_errors.server_error"


def permission_denied(request, exception=None):
    """A 403: the API's error shape under the API prefixes; elsewhere a page inside the admin's
    layout that says why (the exception's own words when it has them) and how to go back."""
    reason = str(exception or "") or gettext("이 페이지를 볼 권한이 없습니다.")
    if request.path.startswith(API_PREFIXES):
        return error_response(403, reason)
    referer = request.headers.get("referer", "")
    back = (
        referer
        if referer
        and referer != request.build_absolute_uri()
        and url_has_allowed_host_and_scheme(
            referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
        else ""
    )
    user = getattr(request, "user", None)
    context = {
        **(admin.site.each_context(request) if user is not None else {}),
        "title": gettext("권한이 없습니다"),
        "reason": reason,
        "back_url": back,
        "home_url": resolve_url("admin:index"),
        "roles": sorted(user.groups.values_list("name", flat=True)) if user and user.pk else [],
    }
    response = TemplateResponse(request, "403.html", context, status=403)
    return response.render()


urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("v1/marketing/", include("coupons.api.mall.urls")),
    path("api/v1/admin/", include("coupons.api.admin.urls")),
    path("api/v1/admin/", include("marketplaces.api.urls")),
    path("api/v1/admin/", include("backoffice.jobs.api")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("i18n/", include("django.conf.urls.i18n")),
]
