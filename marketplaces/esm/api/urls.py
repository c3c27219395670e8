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
    path(
        "esm/seller-discounts/",
        views.EsmSellerDiscountListCreateView.as_view(),
        name="admin-esm-seller-discounts",
    ),
    path(
        "esm/seller-discounts/bulk-push/",
        views.EsmSellerDiscountBulkPushView.as_view(),
        name="admin-esm-seller-discounts-bulk-push",
    ),
    path(
        "esm/seller-discounts/<str:goodsNo>/",
        views.EsmSellerDiscountDetailView.as_view(),
        name="admin-esm-seller-discount",
    ),
    *(
        path(
            f"esm/seller-discounts/<str:goodsNo>/{operation}/",
            view.as_view(),
            name=f"admin-esm-seller-discount-{operation}",
        )
        for operation, view in (
            ("push", views.EsmSellerDiscountPushView),
            ("release", views.EsmSellerDiscountReleaseView),
            ("pull", views.EsmSellerDiscountPullView),
            ("read", views.EsmSellerDiscountReadView),
        )
    ),
]
