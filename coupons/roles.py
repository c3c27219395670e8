"""The roles of SPEC §5 (and the order system of §7) and the permissions each holds.

The groups are created by migration 0002; their permissions are (re)applied after every migrate,
so a model added later (a marketplace object, say) is covered without another data migration.
"""

from django.contrib.auth.models import Group, Permission
from django.db.models import Q

MERCHANDISER = "Merchandiser"
CS_AGENT = "CS agent"
# The order system's integration user: cpnUse / cpnRestore (SPEC §7), nothing else to change.
ORDER_SYSTEM = "Order system"

# Reading uses and restores (the member-coupon admin and the API's coupon-uses/).
VIEW_USES = ["view_couponuse", "view_couponuseline", "view_couponorder", "view_couponclaim"]

ROLE_PERMISSIONS = {
    MERCHANDISER: {
        # app label -> "*" for every permission of the app, or a list of codenames
        "coupons": [
            "view_promotion",
            "add_promotion",
            "change_promotion",
            "approve_promotion",
            "view_promotiontarget",
            "add_promotiontarget",
            "change_promotiontarget",
            "delete_promotiontarget",
            "view_commoncode",
            "add_commoncode",
            "change_commoncode",
            "view_member",
            "view_goods",
            "view_exhibition",
            "view_membercoupon",
            "issue_membercoupon",
            *VIEW_USES,
            "view_coupon_report",
        ],
        "marketplaces": "*",
        "jobs": ["view_job"],
        "audit": ["view_auditentry"],
    },
    CS_AGENT: {
        "coupons": [
            "view_promotion",
            "view_promotiontarget",
            "view_commoncode",
            "view_member",
            "view_goods",
            "view_exhibition",
            "view_membercoupon",
            "issue_compensation",
            "revoke_membercoupon",
            *VIEW_USES,
            "view_coupon_report",
        ],
        "jobs": ["view_job"],
        "audit": ["view_auditentry"],
    },
    ORDER_SYSTEM: {
        "coupons": ["use_membercoupon", *VIEW_USES],
    },
}

# Logs are kept as written: no role may change or delete them, whatever "*" above grants
# (only a superuser can, in the admin).
NEVER_GRANTED = {
    "marketplaces": ["change_httpexchange", "delete_httpexchange", "add_httpexchange"],
    "jobs": ["change_job", "delete_job"],
    "audit": ["add_auditentry", "change_auditentry", "delete_auditentry"],
}


def _grant(group: Group, grants: dict) -> None:
    query = Q(pk__in=[])
    for app_label, codenames in grants.items():
        if codenames == "*":
            query |= Q(content_type__app_label=app_label)
        else:
            query |= Q(content_type__app_label=app_label, codename__in=codenames)
    never = Q(pk__in=[])
    for app_label, codenames in NEVER_GRANTED.items():
        never |= Q(content_type__app_label=app_label, codename__in=codenames)
    group.permissions.set(Permission.objects.filter(query).exclude(never))


def role_group(name: str) -> Group:
    """The role's group with exactly its permissions, created if missing."""
    group, _ = Group.objects.get_or_create(name=name)
    _grant(group, ROLE_PERMISSIONS[name])
    return group


def sync_role_permissions(**kwargs) -> None:
    """post_migrate: give each role exactly the permissions of ROLE_PERMISSIONS.

    After `migrate` the groups are created if missing; after `flush` (which sends post_migrate
    without a plan) only existing groups are updated, so a flushed database stays empty.
    """
    for role, grants in ROLE_PERMISSIONS.items():
        if "plan" in kwargs:
            role_group(role)
        else:
            group = Group.objects.filter(name=role).first()
            if group is not None:
                _grant(group, grants)
