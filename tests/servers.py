"""Real servers for the tests that go through HTTP: the project under gunicorn or `manage.py serve`
as a subprocess on free loopback ports, and a TCP proxy in front of PostgreSQL that a test can
close and reopen (a database outage without stopping the shared server)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from pathlib import Path

from django.db import connection

from tests.waiting import wait_for

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def database_url(*, host: str | None = None, port: int | None = None) -> str:
    """The test database as a DATABASE_URL, optionally through another host / port."""
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    host = host or s["HOST"] or "127.0.0.1"
    port = port or s["PORT"] or 5432
    return f"postgres://{auth}@{host}:{port}/{s['NAME']}"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def get(url: str, headers: dict | None = None, *, data: bytes | None = None, method=None):
    """(status, headers, body) of one request, redirects not followed; HTTP errors are answers,
    not exceptions."""
    request = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with _opener.open(request, timeout=30) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read()


class Process:
    """A server subprocess; `url` answers once `ready_path` does (any HTTP status)."""

    def __init__(self, argv: list[str], *, env: dict, port: int, ready_path: str = "/healthz"):
        self.argv, self.env, self.port, self.ready_path = argv, env, port, ready_path
        self.url = f"http://127.0.0.1:{port}"
        self.proc: subprocess.Popen | None = None

    def __enter__(self) -> Process:
        self.log = open(os.devnull, "wb") if not os.environ.get("SERVER_LOG") else None
        self.proc = subprocess.Popen(
            self.argv, cwd=ROOT, env=self.env, stdout=self.log, stderr=self.log
        )
        wait_for(self._answers, timeout=90)
        return self

    def _answers(self):
        if self.proc.poll() is not None:
            raise AssertionError(f"{self.argv[:3]} exited with {self.proc.returncode}")
        try:
            get(self.url + self.ready_path)
            return True
        except OSError:
            return False

    def __exit__(self, *exc):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        if self.log:
            self.log.close()


def server_env(**extra) -> dict:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PYTEST_", "DJANGO_SETTINGS")) and k != "SECRET_KEY"
    }
    env.update(
        {
            "DATABASE_URL": database_url(),
            "DEBUG": "false",
            "LOG_LEVEL": "WARNING",
            "SECRET_KEY": "tests-shared-secret-key-0123456789abcdefghijklmnopqrstuvwxyz",
        }
    )
    env.update({k: str(v) for k, v in extra.items() if v is not None})
    for k, v in extra.items():
        if v is None:
            env.pop(k, None)
    return env


def gunicorn(*, env: dict, workers: int = 1, threads: int = 4, port: int | None = None, **kw):
    port = port or free_port()
    argv = [
        str(BIN / "gunicorn"),
        "backoffice.wsgi",
        "-w",
        str(workers),
        "--threads",
        str(threads),
        "-b",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
    ]
    return Process(argv, env=env, port=port, **kw)


class TcpProxy:
    """A loopback TCP proxy to `target`; `close()` refuses new connections and cuts the open ones
    (the database is "down"), `open()` listens again on the same port."""

    def __init__(self, target=("127.0.0.1", 5432)):
        self.target = target
        self.port = free_port()
        self._listener: socket.socket | None = None
        self._sockets: set[socket.socket] = set()
        self._lock = threading.Lock()

    def open(self) -> TcpProxy:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()
        return self

    def close(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            try:
                listener.shutdown(socket.SHUT_RDWR)  # wakes the accept() blocked on it
            except OSError:
                pass
            listener.close()
        with self._lock:
            sockets, self._sockets = self._sockets, set()
        for s in sockets:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()

    def _accept(self, listener):
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._sockets.update((client, upstream))
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    def _pump(self, source, sink):
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
