"""gunicorn run from inside a process (`manage.py serve`): the Django app already loaded, workers
forked with threads (gthread), each thread holding at most one database connection
(CONN_MAX_AGE), so the number of connections is bounded by workers × threads however many
clients come; clients past that wait in the listen queue instead of being refused."""

from __future__ import annotations

from collections.abc import Callable

from django.core.wsgi import get_wsgi_application
from django.db import connections
from gunicorn.app.base import BaseApplication


class EmbeddedGunicorn(BaseApplication):
    def __init__(self, options: dict, *, when_ready: Callable[[], None] | None = None):
        self.options = options
        self._when_ready = when_ready
        self.application = get_wsgi_application()
        super().__init__()

    def load_config(self):
        for key, value in self.options.items():
            self.cfg.set(key, value)
        if self._when_ready is not None:
            ready = self._when_ready
            self.cfg.set("when_ready", lambda arbiter: ready())
        # A worker must not share the master's database sockets: the fork copies them.
        self.cfg.set("pre_fork", lambda arbiter, worker: connections.close_all())

    def load(self):
        return self.application


def gunicorn_options(*, bind: str, workers: int, threads: int, timeout: int) -> dict:
    return {
        "bind": bind,
        "workers": workers,
        "threads": threads,
        "worker_class": "gthread",
        "timeout": timeout,
        "graceful_timeout": 30,
        "keepalive": 5,
        "backlog": 2048,
        # Headers up to 64 KB reach Django, which answers past API_MAX_HEADER_BYTES with a 431 in
        # the API's error shape (gunicorn's own refusal would be plain HTML).
        "limit_request_field_size": 65536,
        "limit_request_fields": 200,
        "accesslog": None,
        "errorlog": "-",
        "loglevel": "warning",
    }
