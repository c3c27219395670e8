"""ESM sponsorship routes (keyed by goodsNo), mounted under /api/v1/admin/ by
`marketplaces.api.urls`."""

from django.urls import path

from . import views

urlpatterns = [
    path(
        "esm/sponsorships/",
        views.EsmSponsorshipListCreateView.as_view(),
        name="admin-esm-sponsorships",
    ),
    path(
        "esm/sponsorships/bulk-push/",
        views.EsmSponsorshipBulkPushView.as_view(),
        name="admin-esm-sponsorships-bulk-push",
    ),
    path(
        "esm/sponsorships/<str:goodsNo>/",
        views.EsmSponsorshipDetailView.as_view(),
        name="admin-esm-sponsorship",
    ),
    path(
        "esm/sponsorships/<str:goodsNo>/push/",
        views.EsmSponsorshipPushView.as_view(),
        name="admin-esm-sponsorship-push",
    ),
    path(
        "esm/sponsorships/<str:goodsNo>/release/",
        views.EsmSponsorshipReleaseView.as_view(),
        name="admin-esm-sponsorship-release",
    ),
    path(
        "esm/sponsorships/<str:goodsNo>/pull/",
        views.EsmSponsorshipPullView.as_view(),
        name="admin-esm-sponsorship-pull",
    ),
]
