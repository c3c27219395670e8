"""Admin REST API routes for marketplace objects (mounted under /api/v1/admin/): the sync jobs,
then each registered marketplace's own routes (`MarketplaceConfig.api_urls`)."""

from django.urls import path

from marketplaces.apps import marketplace_configs

from . import views

urlpatterns = [
    path("sync-jobs/", views.SyncJobListView.as_view(), name="admin-sync-jobs"),
    path("sync-jobs/<int:pk>/", views.SyncJobDetailView.as_view(), name="admin-sync-job"),
    *(pattern for config in marketplace_configs() for pattern in config.api_urls),
]
