"""One SECRET_KEY for every process started without one: the key file is created once, atomically,
whichever process starts first; four gunicorn workers started at once accept each other's
sessions. With DEBUG off, `check --deploy` requires SECRET_KEY from the environment."""

from __future__ import annotations

import subprocess
import sys
import threading

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from tests.servers import ROOT, get, gunicorn, server_env

pytestmark = pytest.mark.django_db(transaction=True)


def test_processes_started_at_once_share_one_key(tmp_path):
    key_file = tmp_path / "var" / "secret_key"  # its directory does not exist yet
    env = server_env(SECRET_KEY=None, SECRET_KEY_FILE=key_file)
    code = "import backoffice.settings as s; print(s.SECRET_KEY)"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", code], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True
        )
        for _ in range(6)
    ]
    keys = {proc.communicate(timeout=60)[0].strip() for proc in procs}
    assert all(proc.returncode == 0 for proc in procs)
    assert keys == {key_file.read_text()} and len(key_file.read_text()) >= 50
    assert [p.name for p in key_file.parent.iterdir()] == ["secret_key"]  # no temporary left
    assert key_file.stat().st_mode & 0o777 == 0o600


@pytest.mark.pg
def test_four_gunicorn_workers_without_secret_key_share_sessions(tmp_path, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    get_user_model().objects.create_superuser("ops", password="pw-ops-123")
    key_file = tmp_path / "secret_key"
    env = server_env(SECRET_KEY=None, SECRET_KEY_FILE=key_file, AXES_ENABLED="false")
    with gunicorn(env=env, workers=4, threads=1) as server:
        status, headers, _ = get(server.url + "/admin/login/")
        csrf = headers["Set-Cookie"].split("csrftoken=")[1].split(";")[0]
        status, headers, _ = get(
            server.url + "/admin/login/",
            {"Cookie": f"csrftoken={csrf}", "Content-Type": "application/x-www-form-urlencoded"},
            data=f"username=ops&password=pw-ops-123&csrfmiddlewaretoken={csrf}".encode(),
        )
        assert status == 302
        cookie = next(c for c in headers.get_all("Set-Cookie") if c.startswith("sessionid="))
        session = cookie.split(";")[0]
        # Concurrent requests on fresh connections spread over the four workers; a worker with
        # another key would fail the session's hash and answer the login redirect instead.
        statuses: list[int] = []
        lock = threading.Lock()

        def hit():
            for _ in range(8):
                s = get(server.url + "/api/v1/admin/members/", {"Cookie": session})[0]
                with lock:
                    statuses.append(s)

        threads = [threading.Thread(target=hit) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert statuses == [200] * 64
        assert get(server.url + "/admin/", {"Cookie": session})[0] == 200
    assert [p.name for p in tmp_path.iterdir()] == ["secret_key"]


def test_deploy_check_requires_secret_key_from_the_environment(settings):
    settings.DEBUG = False
    settings.SECRET_KEY_FROM_ENVIRONMENT = False
    with pytest.raises(SystemCheckError, match=r"backoffice\.E001"):
        call_command("check", "--deploy", "--tag", "security")
    settings.SECRET_KEY_FROM_ENVIRONMENT = True
    call_command("check", "--deploy", "--tag", "security", "--fail-level", "ERROR")
    settings.SECRET_KEY_FROM_ENVIRONMENT = False
    settings.DEBUG = True
    call_command("check", "--deploy", "--tag", "security", "--fail-level", "ERROR")
    settings.DEBUG = False
    call_command("check")  # `make run` on loopback, no configuration: not a deploy check
