"""The API tests' users, promotions and member tokens (the same real builders)."""

from tests.coupons.api.conftest import (  # noqa: F401
    approver,
    cs,
    make_promotion,
    md,
    member_jwt_settings,
)
