"""The door of the current unit of work, set once where it enters (a contextvar, so threads and
async tasks each see their own)."""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar

ADMIN = "admin"
API = "api"
COMMAND = "command"
JOB = "job"

# Unset means no request and no job: a management command (or a shell, which is one).
_door: ContextVar[str] = ContextVar("audit_door", default=COMMAND)
_request: ContextVar[object | None] = ContextVar("audit_request", default=None)
_user: ContextVar[object | None] = ContextVar("audit_user", default=None)


def current_door() -> str:
    return _door.get()


def current_user():
    """Who the current unit of work acts for: the user given to `audit_door` (a job's author),
    else the signed-in user of the current request, else None (commands, anonymous)."""
    if _user.get() is not None:
        return _user.get()
    request = _request.get()
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


@contextmanager
def audit_door(door: str, request=None, user=None):
    """Everything audited inside this block went through `door`, for `user` or the user of
    `request` when a service does not name one."""
    door_token = _door.set(door)
    request_token = _request.set(request)
    user_token = _user.set(user)
    try:
        yield
    finally:
        _user.reset(user_token)
        _request.reset(request_token)
        _door.reset(door_token)
