from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from backoffice import health

handler400 = "backoffice.api_errors.bad_request"
handler404 = "backoffice.api_errors.not_found"
handler500 = "backoffice.api_errors.server_error"

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
