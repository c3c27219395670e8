"""The one way anything writes the audit trail."""

from __future__ import annotations

import json

from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

from .context import current_door, current_user
from .models import AuditEntry


def _plain(value):
    """A value as it is stored in the row's JSON (dates as ISO strings, sets as sorted lists)."""
    if isinstance(value, (set, frozenset)):
        value = sorted(value)
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def audit_changes(old: dict, new: dict) -> dict:
    """{field: [old, new]} for every field of `new` whose value differs from `old`."""
    changes = {}
    for field, value in new.items():
        before, after = _plain(old.get(field)), _plain(value)
        if before != after:
            changes[field] = [before, after]
    return changes


def audit_record(
    *,
    action: str,
    obj=None,
    model=None,
    object_id=None,
    object_repr: str = "",
    user=None,
    changes: dict | None = None,
    extra: dict | None = None,
    door: str | None = None,
) -> AuditEntry:
    """Write one audit row about `obj` (or `model` + `object_id`) and return it.

    `user` defaults to the signed-in user of the current request and `door` to the current
    entry point's (`context.audit_door`)."""
    if obj is not None:
        model = type(obj)
        object_id = obj.pk
        object_repr = object_repr or str(obj)
    if user is not None and not getattr(user, "is_authenticated", False):
        user = None
    return AuditEntry.objects.create(
        at=timezone.now(),
        user=user or current_user(),
        door=door or current_door(),
        action=action,
        content_type=ContentType.objects.get_for_model(model, for_concrete_model=False),
        object_id=str(object_id if object_id is not None else ""),
        object_repr=object_repr[:200],
        changes={k: [_plain(v[0]), _plain(v[1])] for k, v in (changes or {}).items()},
        extra=_plain(extra or {}),
    )


def audit_history(obj, *, limit: int = 50):
    """The object's audit rows, newest first."""
    content_type = ContentType.objects.get_for_model(type(obj), for_concrete_model=False)
    return (
        AuditEntry.objects.filter(content_type=content_type, object_id=str(obj.pk))
        .select_related("user")
        .order_by("-at", "-id")[:limit]
    )
