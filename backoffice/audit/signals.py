"""Roles: a group's permissions and a user's groups are written by Django itself (the admin's
group and user pages, `Group.permissions.set` in the role sync), so they are audited from
m2m_changed, once per change, with the whole set before and after."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save

from .services import audit_changes, audit_record


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


def audit_model(model, *, exclude: tuple[str, ...] = ()) -> None:
    """Audit every save() and delete() of `model`'s rows: old → new per field (read back before
    the save), who and the door from the current context. Timestamps set by Django and the
    fields in `exclude` (raw remote payloads, say) are left out. Set-based `update()`s send no
    signal: the services that use them record their own row."""
    fields = [
        f
        for f in model._meta.concrete_fields
        if f.name not in exclude
        and not getattr(f, "auto_now", False)
        and not getattr(f, "auto_now_add", False)
    ]
    names = [f.attname for f in fields]

    def values(obj) -> dict:
        return {f.name: f.value_from_object(obj) for f in fields}

    def before_save(sender, instance, raw=False, **kwargs):
        instance._audit_old = None
        if raw or instance.pk is None:
            return
        old = sender._default_manager.filter(pk=instance.pk).values(*names).first()
        if old is not None:
            instance._audit_old = {f.name: old[f.attname] for f in fields}

    def after_save(sender, instance, created, raw=False, **kwargs):
        if raw:
            return
        old = getattr(instance, "_audit_old", None)
        changes = audit_changes(old or {}, values(instance))
        if created or changes:
            audit_record(action="create" if created else "update", obj=instance, changes=changes)

    def after_delete(sender, instance, **kwargs):
        audit_record(
            action="delete",
            obj=instance,
            changes={k: [v, None] for k, v in values(instance).items()},
        )

    uid = f"audit.{model._meta.label_lower}"
    pre_save.connect(before_save, sender=model, weak=False, dispatch_uid=f"{uid}.pre")
    post_save.connect(after_save, sender=model, weak=False, dispatch_uid=f"{uid}.post")
    post_delete.connect(after_delete, sender=model, weak=False, dispatch_uid=f"{uid}.del")
