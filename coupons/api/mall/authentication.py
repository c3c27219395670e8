"""Member authentication by the mall's JWT access token (`Authorization: Bearer <JWT>`).

The identity service signs with HS256 (`MEMBER_JWT_SECRET`) or RS256 (`MEMBER_JWT_PUBLIC_KEY`);
settings are read at call time. `sub` is the member number, and the member must exist here. Any
failure is a 401 `MEMBER_ONLY`: member endpoints never fall back to another identity.
"""

from __future__ import annotations

import jwt
from django.conf import settings
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from coupons.models import Member
from coupons.selectors import CompiledQuery

MEMBER_ONLY = "MEMBER_ONLY"
# The member-number shape accepted from `sub` (Member.mbr_no is at most 20 characters).
MAX_MBR_NO = 20
# Leeway for clock skew between the identity service and us.
LEEWAY_SECONDS = 30
# Every member endpoint reads the token's member first: its full row, compiled once per connection.
MEMBER_FIELDS = tuple(f.attname for f in Member._meta.concrete_fields)
MEMBER_BY_NO = CompiledQuery(
    lambda mbr_no: Member.objects.filter(mbr_no=mbr_no).order_by().values_list(*MEMBER_FIELDS),
    mbr_no=str,
)


def member_by_no(mbr_no: str, *, using: str = "default") -> Member | None:
    """The member `mbr_no` (every column, as `Member.objects.get` would load it), or None."""
    rows = MEMBER_BY_NO.rows(using, mbr_no=mbr_no)
    return Member.from_db(using, MEMBER_FIELDS, rows[0]) if rows else None


class MemberOnly(exceptions.AuthenticationFailed):
    """401 with the error shape's `MEMBER_ONLY` code."""

    def __init__(self, message: str = "회원 전용 API입니다. 유효한 회원 액세스 토큰이 필요합니다."):
        super().__init__({"code": MEMBER_ONLY, "message": message, "fields": {}})


class MemberUser:
    """`request.user` on member endpoints: the member, never a Django user, holds no permissions."""

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_staff = False
    is_superuser = False
    pk = None
    id = None

    def __init__(self, member: Member):
        self.member = member
        self.mbr_no = member.mbr_no

    def __str__(self):
        return f"member:{self.mbr_no}"

    def has_perm(self, perm, obj=None) -> bool:
        return False

    def has_perms(self, perms, obj=None) -> bool:
        return False

    def has_module_perms(self, app_label) -> bool:
        return False


def decode_member_token(token: str) -> dict:
    """The verified claims of a member token; raises jwt.InvalidTokenError."""
    public_key = getattr(settings, "MEMBER_JWT_PUBLIC_KEY", "") or ""
    secret = getattr(settings, "MEMBER_JWT_SECRET", "") or ""
    if public_key:
        key, algorithms = public_key, ["RS256"]
    elif secret:
        key, algorithms = secret, ["HS256"]
    else:
        raise jwt.InvalidTokenError("no member token key configured")
    return jwt.decode(
        token,
        key,
        algorithms=algorithms,
        options={"require": ["sub", "exp"]},
        leeway=LEEWAY_SECONDS,
    )


class MemberJWTAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request)
        if not header:
            return None
        parts = header.split()
        if not parts or parts[0].lower() != self.keyword.lower().encode():
            raise MemberOnly()
        if len(parts) != 2:
            raise MemberOnly()
        try:
            token = parts[1].decode("ascii")
            claims = decode_member_token(token)
        except (UnicodeDecodeError, jwt.InvalidTokenError, ValueError, TypeError):
            raise MemberOnly() from None
        sub = claims.get("sub")
        if not isinstance(sub, str) or not sub or len(sub) > MAX_MBR_NO or "\x00" in sub:
            raise MemberOnly()
        member = member_by_no(sub)
        if member is None:
            raise MemberOnly("알 수 없는 회원입니다.")
        return MemberUser(member), claims

    def authenticate_header(self, request):
        return 'Bearer realm="member"'


class MemberJWTScheme(OpenApiAuthenticationExtension):
    target_class = "coupons.api.mall.authentication.MemberJWTAuthentication"
    name = "memberJwt"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "description": "The mall's member access token; `sub` is the member number (mbrNo).",
        }
