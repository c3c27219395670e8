"""What a storefront request costs in CPU, and where it goes (issue 14's profile).

wrk's ratios (bench/load.py) say how fast the stack answers; this says why. Each endpoint's
requests (the same ones bench/load.py sends) run in this process through Django's WSGI handler —
gunicorn's call without the socket — and two CPU clocks are read around them: this process's
(`time.process_time`: middleware, DRF, our code, the driver) and the PostgreSQL backend's that
served it (`/proc/<pid>/stat`, when the database is on this machine). CPU time moves far less than
wall time on a shared machine, and on 2 busy cores req/s is bounded by CPU per request: floor CPU ÷
endpoint CPU is the ratio wrk would show if nothing else ran.

A second pass under cProfile splits the Python side by phase: Django's handler and the
middleware, DRF's authentication / throttles / permissions (`initial`, which holds the token check
and the member lookup), the view's own work, the database driver, and rendering the JSON.
"""

from __future__ import annotations

import cProfile
import io
import os
import pstats
import random
import time
from collections.abc import Callable

from django.core.handlers.wsgi import WSGIHandler
from django.db import connection
from django.test import RequestFactory, override_settings
from django.test.client import FakePayload

from bench import load
from bench.dataset import Sizes
from bench.scenarios import JWT_SECRET, figure, pricing_cart, token

REQUESTS = 300  # per endpoint and pass
WARMUP = 60  # requests first, so that compiled queries and plans exist
TARGETS = {  # the wrk targets of bench/load.py, for the same ratio
    "cpnIssuList": 0.5,
    "goodsDetailCpnList cpnType 10": 0.35,
    "goodsDetailCpnList cpnType 20": 0.35,
    "orderCpnCalc 30 lines / 50 copies": 0.25,
}
# (label, how a phase is found in the profile: file path suffix, function name)
PHASES = (
    ("DRF auth, throttles, permissions", ("rest_framework/views.py", "initial")),
    ("database driver", ("django/db/backends/utils.py", "_execute")),
    ("render JSON", ("rest_framework/response.py", "rendered_content")),
)
HANDLER = ("django/core/handlers/wsgi.py", "__call__")
DISPATCH = ("rest_framework/views.py", "dispatch")


def _environ(factory: RequestFactory, method: str, path: str, bearer: str, body: str) -> dict:
    path, _, query = path.partition("?")
    extra = {"HTTP_AUTHORIZATION": f"Bearer {bearer}"} if bearer else {}
    data = body.encode()
    return factory._base_environ(
        PATH_INFO=path,
        QUERY_STRING=query,
        REQUEST_METHOD=method,
        CONTENT_TYPE="application/json" if data else "",
        CONTENT_LENGTH=str(len(data)),
        **extra,
    ) | {"_body": data}


def _serve(handler: WSGIHandler, environs: list[dict]) -> dict[int, int]:
    statuses: dict[int, int] = {}

    def start_response(status, headers, exc_info=None):
        code = int(status.split()[0])
        statuses[code] = statuses.get(code, 0) + 1

    for env in environs:
        env = dict(env)
        env["wsgi.input"] = FakePayload(env.pop("_body"))
        response = handler(env, start_response)
        b"".join(response)
        response.close()
    return statuses


def _backend_cpu() -> tuple[int, float | None]:
    """(pid, seconds of CPU) of the PostgreSQL backend serving our connection; the seconds are
    None when it is not a process of this machine."""
    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    except OSError:
        return pid, None
    return pid, (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _phase_ms(stats: pstats.Stats, where: tuple[str, str], n: int) -> float:
    suffix, name = where
    total = sum(
        ct
        for (path, _, func), (_, _, _, ct, _) in stats.stats.items()
        if func == name and path.endswith(suffix)
    )
    return total / n * 1000


def measure(
    handler, label: str, make: Callable[[random.Random], list], expect: int, n: int = REQUESTS
) -> dict:
    """CPU per request (ms) of `make`'s requests: Python, PostgreSQL, and the profiled phases."""
    factory = RequestFactory()
    rng = random.Random(label)
    lines = make(rng)
    environs = [_environ(factory, *lines[i % len(lines)]) for i in range(WARMUP + n)]
    statuses = _serve(handler, environs[:WARMUP])
    (pid0, pg0), py0 = _backend_cpu(), time.process_time()
    statuses = _serve(handler, environs[WARMUP:])
    py = (time.process_time() - py0) / n * 1000
    pid1, pg1 = _backend_cpu()
    if pid1 != pid0 or pg0 is None or pg1 is None:
        raise RuntimeError(f"{label}: the database connection changed, or is not on this machine")
    pg = (pg1 - pg0) / n * 1000
    if set(statuses) != {expect}:
        raise RuntimeError(f"{label}: answers {statuses}, expected only {expect}")
    profiler = cProfile.Profile(time.process_time)
    profiler.runcall(_serve, handler, environs[WARMUP:])
    stats = pstats.Stats(profiler, stream=io.StringIO())
    total = _phase_ms(stats, HANDLER, n)
    dispatch = _phase_ms(stats, DISPATCH, n)
    phases = {"Django handler and middleware": total - dispatch}
    phases.update({name: _phase_ms(stats, where, n) for name, where in PHASES})
    phases["the view's own work"] = dispatch - sum(phases[name] for name, _ in PHASES)
    shares = ", ".join(f"{name} {ms / total:.0%}" for name, ms in phases.items())
    print(f"  {label}: CPU {py:.2f} ms Python + {pg:.2f} ms PostgreSQL a request; {shares}")
    return {"python": py, "postgres": pg, "phases": {k: v / total for k, v in phases.items()}}


def run(*, sizes: Sizes, server=None) -> list[dict]:
    """CPU per request of the floor and each storefront endpoint, and floor ÷ endpoint."""
    results = []
    handler = WSGIHandler()
    # One backend for the whole run (its CPU clock is read around each endpoint): the handler's
    # request_finished would otherwise close a connection older than CONN_MAX_AGE.
    connection.close()
    connection.settings_dict["CONN_MAX_AGE"] = None
    with override_settings(MEMBER_JWT_SECRET=JWT_SECRET, ALLOWED_HOSTS=["*"]):
        floor = measure(
            handler,
            "floor: cpnIssuList without a token (401)",
            lambda rng: [("GET", load.BOX.format(sort="10"), "", "")],
            401,
        )
        plan = [
            ("cpnIssuList", lambda rng: load.box_lines(sizes, load.READ_LINES // 10, rng)),
            *(
                (
                    f"goodsDetailCpnList cpnType {t}",
                    lambda rng, t=t: load.detail_lines(sizes, load.READ_LINES // 10, rng, t),
                )
                for t in ("10", "20")
            ),
        ]
        costs = {name: measure(handler, name, make, 200) for name, make in plan}
        with pricing_cart(members=load.PRICING_MEMBERS) as (members, cart):
            body = load.order_body(cart)
            tokens = [token(m.mbr_no) for m in members]
            name = "orderCpnCalc 30 lines / 50 copies"
            costs[name] = measure(
                handler,
                name,
                lambda rng: [("POST", "/v1/marketing/orderCpnCalc", t, body) for t in tokens],
                200,
                n=REQUESTS // 4,  # ten times the work of a read
            )
    floor_ms = floor["python"] + floor["postgres"]
    results.append(figure("cpu floor 401 a request", floor_ms, "ms"))
    for name, cost in costs.items():
        total = cost["python"] + cost["postgres"]
        results.append(figure(f"cpu {name} Python a request", cost["python"], "ms"))
        results.append(figure(f"cpu {name} PostgreSQL a request", cost["postgres"], "ms"))
        # informational: the wrk ratio of bench/load.py is the one with the target
        results.append(
            figure(f"cpu floor / {name}", floor_ms / total, "ratio", f"(wrk >= {TARGETS[name]})")
        )
        for phase, share in cost["phases"].items():
            results.append(figure(f"cpu {name}: {phase}", share * 100, "% of Python"))
    return results
