"""Roles: a group's permissions and a user's groups are written by Django itself (the admin's
group and user pages, `Group.permissions.set` in the role sync), so they are audited from
m2m_changed, once per change, with the whole set before and after."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db.models.signals import m2m_changed, post_delete, post_save

from .services import audit_record


def _permission_names(group: Group) -> list[str]:
    return sorted(
        f"{app}.{codename}"
        for app, codename in group.permissions.values_list("content_type__app_label", "codename")
    )


def _group_names(user) -> list[str]:
    return sorted(user.groups.values_list("name", flat=True))


def _on_m2m(instance, action, reverse, read, field, verb):
    if reverse:  # permission.group_set / group.user_set: rare, audited on the changed side only
        return
    if action in ("pre_add", "pre_remove", "pre_clear"):
        instance._audit_before = read(instance)
    elif action in ("post_add", "post_remove", "post_clear"):
        before = getattr(instance, "_audit_before", None)
        after = read(instance)
        if before is not None and before != after:
            audit_record(action=verb, obj=instance, changes={field: [before, after]})
        instance._audit_before = None


def group_permissions_changed(sender, instance, action, reverse, **kwargs):
    _on_m2m(instance, action, reverse, _permission_names, "permissions", "permissions")


def user_groups_changed(sender, instance, action, reverse, **kwargs):
    _on_m2m(instance, action, reverse, _group_names, "groups", "groups")


def group_saved(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        audit_record(action="create", obj=instance, changes={"name": [None, instance.name]})


def group_deleted(sender, instance, **kwargs):
    audit_record(action="delete", obj=instance, changes={"name": [instance.name, None]})


def connect() -> None:
    m2m_changed.connect(
        group_permissions_changed,
        sender=Group.permissions.through,
        dispatch_uid="audit.group_permissions",
    )
    m2m_changed.connect(
        user_groups_changed,
        sender=get_user_model().groups.through,
        dispatch_uid="audit.user_groups",
    )
    post_save.connect(group_saved, sender=Group, dispatch_uid="audit.group_saved")
    post_delete.connect(group_deleted, sender=Group, dispatch_uid="audit.group_deleted")
