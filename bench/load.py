"""The storefront endpoints under load (issue 14): wrk, a compiled HTTP client, against gunicorn
with 2 workers, every figure as req/s, p50, p99 and a ratio to the stack's floor in the same run.

The floor is a request through the same stack that does no work: `GET /healthz`, and the
unauthenticated `cpnIssuList` → 401 (every middleware, DRF's authentication and permission and
the error handler; the issue's floor, the one the ratios use), measured at the connections of the
scenario it divides. Each scenario runs WARMUP seconds (discarded, other members) and then
DURATION seconds; the first-come download is a burst of one request per member instead.
Requests (tokens, paths, bodies) are written by Python to a file that bench/lua/requests.lua
reads in wrk's init(); its done() prints the counts and percentiles as JSON.

The same reads then run against a small data set (Sizes.small(), built in the same run in the
database `<name>_small`) and p50 at full size ÷ p50 at the small one says whether a request's
cost grows with the data. wrk runs on the same 2 cores as the server and PostgreSQL: its own CPU
is printed beside every run.
"""

from __future__ import annotations

import json
import os
import random
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import zlib
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connection

from bench.dataset import GOODS_BASE, Sizes, member_no
from bench.exports import _session
from bench.scenarios import (
    BASE_DIR,
    Server,
    _drop_promotion,
    _live_promotion,
    figure,
    pricing_cart,
    token,
)
from coupons.models import MemberCoupon, Promotion

LUA = Path(__file__).resolve().parent / "lua" / "requests.lua"
WORKERS = 2
THREADS = 1  # wrk threads: one event loop keeps up with a few thousand req/s and leaves the cores
WARMUP = 2
DURATION = 10
READ_CONNECTIONS = 4  # as the issue measured
FIRST_COME_CONNECTIONS = 64
FIRST_COME_LIMIT = 1000
FIRST_COME_BURST = 64 * 32  # distinct members, one download each (scenarios.downloads' 2,048)
PRICING_MEMBERS = 64  # the member throttle (300/min) would answer 429 to one member's 10 s
READ_LINES = 20_000  # distinct requests per run: more than 10 s at the floor's rate
BOX = "/v1/marketing/cpnIssuList?sortGb={sort}&rowsPerPage=10&pageIdx=1"
ADMIN = "/admin/coupons/membercoupon/"


# -- wrk -------------------------------------------------------------------------------------------


def wrk_binary() -> str:
    """wrk's path; installs Debian's package when missing and root, else stops with a message."""
    path = shutil.which("wrk")
    if path:
        return path
    if os.geteuid() == 0:
        print("  wrk is missing: apt-get install -y wrk")
        subprocess.run(["apt-get", "install", "-y", "wrk"], check=True, stdout=subprocess.DEVNULL)
        path = shutil.which("wrk")
    if not path:
        raise SystemExit(
            "bench load needs wrk (Debian package `wrk`): run `sudo apt-get install -y wrk`, "
            "or leave `load` out of --only."
        )
    return path


@dataclass
class Run:
    """One wrk run, parsed."""

    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    statuses: dict[int, int]
    errors: dict[str, int]
    client_cpu: float = 0.0  # seconds of CPU wrk used
    unexpected: int = 0  # answers outside the scenario's expected statuses, and socket errors

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def parse(output: str) -> dict:
    """The JSON that requests.lua's done() prints on its `WRK_JSON` line."""
    for line in output.splitlines():
        if line.startswith("WRK_JSON "):
            return json.loads(line[len("WRK_JSON ") :])
    raise RuntimeError(f"wrk printed no WRK_JSON line:\n{output[-2000:]}")


def wrk(
    url: str,
    lines: list[tuple[str, str, str, str]],
    *,
    connections: int,
    duration: float = DURATION,
    threads: int = THREADS,
    burst: int = 0,
    headers: tuple[str, ...] = (),
    expect: tuple[int, ...] = (200,),
) -> Run:
    """Run wrk against `url` with request lines (method, path, token, body); a burst stops each
    thread after burst // threads answers (duration is then only an upper bound)."""
    # a burst ends the run when its thread is done, so it has one (it drives 64 connections)
    threads = 1 if burst else max(1, min(threads, connections))
    with tempfile.NamedTemporaryFile("w", suffix=".tsv", prefix="bench-wrk-", delete=False) as f:
        for line in lines:
            f.write("\t".join(line) + "\n")
        path = f.name
    argv = [
        wrk_binary(),
        "-t",
        str(threads),
        "-c",
        str(connections),
        "-d",
        f"{duration:g}s",
        "--timeout",
        "30s",
        "-s",
        str(LUA),
    ]
    for h in headers:
        argv += ["-H", h]
    argv += [url, "--", path, str(burst // threads if burst else 0), str(threads)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    try:
        output, returncode = _wrk_process(argv, burst=bool(burst), timeout=duration + 120)
    finally:
        os.unlink(path)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if returncode:
        raise RuntimeError(f"wrk failed ({returncode}): {output[-2000:]}")
    data = parse(output)
    statuses = {int(k): v for k, v in data["statuses"].items()}
    errors = data["errors"]
    socket_errors = errors["connect"] + errors["read"] + errors["write"] + errors["timeout"]
    run = Run(
        requests=data["requests"],
        # a burst's own time: wrk's duration runs on until the SIGINT (or -d, if a request of
        # the burst never got its answer)
        seconds=(data["burst_us"] if burst and data["burst_us"] else data["duration_us"]) / 1e6,
        p50_ms=data["latency_us"]["p50"] / 1000,
        p99_ms=data["latency_us"]["p99"] / 1000,
        statuses=statuses,
        errors=errors,
        client_cpu=(after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime),
        unexpected=sum(n for s, n in statuses.items() if s not in expect)
        + socket_errors
        + (burst - data["requests"] if burst else 0),
    )
    return run


def _wrk_process(argv: list[str], *, burst: bool, timeout: float) -> tuple[str, int]:
    """wrk's output and exit code; a burst is interrupted (SIGINT: wrk prints its summary) as
    soon as the Lua script says its thread is done, instead of sleeping out -d."""
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines = []
    try:
        if burst:
            for line in proc.stdout:
                lines.append(line)
                if line.startswith("WRK_BURST_DONE"):
                    proc.send_signal(signal.SIGINT)
                    break
        rest, _ = proc.communicate(timeout=timeout)
    except BaseException:
        proc.kill()
        proc.wait()
        raise
    return "".join(lines) + rest, proc.returncode


# -- request lines -----------------------------------------------------------------------------------


def _members(sizes: Sizes, n: int, rng: random.Random) -> list[str]:
    return [member_no(rng.randint(1, sizes.members)) for _ in range(n)]


def box_lines(sizes: Sizes, n: int, rng: random.Random) -> list[tuple[str, str, str, str]]:
    return [
        ("GET", BOX.format(sort="10" if i % 2 else "20"), token(m), "")
        for i, m in enumerate(_members(sizes, n, rng))
    ]


def detail_lines(
    sizes: Sizes, n: int, rng: random.Random, cpn_type: str
) -> list[tuple[str, str, str, str]]:
    lines = []
    for m in _members(sizes, n, rng):
        body = {
            "goodsNo": str(GOODS_BASE + rng.randint(1, sizes.goods)),
            "ordMediaCd": "20",
            "cpnType": cpn_type,
            "sortGb": "10",
            "rowsPerPage": 10,
            "pageIdx": 1,
        }
        lines.append(("POST", "/v1/marketing/goodsDetailCpnList", token(m), _json(body)))
    return lines


def admin_lines(sizes: Sizes, n: int, rng: random.Random, search: bool):
    if search:
        return [("GET", f"{ADMIN}?q={m}", "", "") for m in _members(sizes, n, rng)]
    return [("GET", ADMIN + (f"?p={i % 5}" if i % 5 else ""), "", "") for i in range(n)]


def _json(body) -> str:
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False)


# -- measuring -----------------------------------------------------------------------------------------


def measure(server, label: str, make, *, connections=READ_CONNECTIONS, **kw) -> Run:
    """WARMUP seconds of other requests (discarded), then DURATION seconds measured."""
    rng = random.Random(zlib.crc32(label.encode()))
    wrk(server.url, make(rng), connections=connections, duration=WARMUP, **kw)
    run = wrk(server.url, make(rng), connections=connections, duration=DURATION, **kw)
    _log(label, run, connections)
    return run


def _log(label: str, run: Run, connections: int) -> None:
    cpu = run.client_cpu / run.seconds * 100 if run.seconds else 0
    print(
        f"  {label}: {run.rps:,.0f} req/s, p50 {run.p50_ms:.1f} ms, p99 {run.p99_ms:.1f} ms "
        f"({run.requests:,} in {run.seconds:.1f} s, {connections} connections; statuses "
        f"{dict(sorted(run.statuses.items()))}; wrk CPU {cpu:.0f}% of one core)"
    )
    if run.unexpected:
        print(f"  !! {label}: {run.unexpected} unexpected answers or socket errors {run.errors}")


def http_figures(name: str, run: Run, floor: Run | None, target: float | None = None) -> list:
    """req/s, p50, p99 and req/s ÷ the 401 floor's req/s (target met only with no unexpected
    answer: a page of 429s or 500s would be fast)."""
    out = [
        figure(f"{name} req/s", run.rps, "req/s"),
        figure(f"{name} p50", run.p50_ms, "ms"),
        figure(f"{name} p99", run.p99_ms, "ms"),
    ]
    if floor is not None:
        ratio = run.rps / floor.rps
        met = None if target is None else (ratio >= target and not run.unexpected)
        out.append(
            figure(
                f"{name} / 401 floor",
                ratio,
                "ratio",
                None if target is None else f">= {target}",
                met,
            )
        )
    if run.unexpected:
        out.append(figure(f"{name} unexpected answers", run.unexpected, "responses", 0, False))
    return out


def floors(server, prefix: str, connections=(READ_CONNECTIONS,)) -> tuple[list, dict[int, Run]]:
    """The floor runs: /healthz and the unauthenticated 401, per connection count."""
    results, by_conn = [], {}
    for c in connections:
        health = measure(
            server,
            f"{prefix}floor GET /healthz",
            lambda rng: [("GET", "/healthz", "", "")],
            connections=c,
        )
        unauth = measure(
            server,
            f"{prefix}floor cpnIssuList without a token (401)",
            lambda rng: [("GET", BOX.format(sort="10"), "", "")],
            connections=c,
            expect=(401,),
        )
        by_conn[c] = unauth
        results += http_figures(f"{prefix}floor /healthz, {c} conn", health, None)
        results += http_figures(f"{prefix}floor 401, {c} conn", unauth, None)
        results.append(
            figure(f"{prefix}floor /healthz / 401, {c} conn", health.rps / unauth.rps, "ratio")
        )
    return results, by_conn


def reads(server, sizes: Sizes, prefix: str, floor: Run, targets: bool):
    """The storefront reads and the admin changelist and search; returns (figures, runs)."""
    session = _session(server)
    cookie = f"Cookie: sessionid={session.cookies['sessionid']}"
    n = READ_LINES
    plan = [
        ("cpnIssuList", lambda rng: box_lines(sizes, n, rng), 0.5, {}),
        (
            "goodsDetailCpnList cpnType 10",
            lambda rng: detail_lines(sizes, n, rng, "10"),
            0.35,
            {},
        ),
        (
            "goodsDetailCpnList cpnType 20",
            lambda rng: detail_lines(sizes, n, rng, "20"),
            0.35,
            {},
        ),
        (
            "admin changelist",
            lambda rng: admin_lines(sizes, 2000, rng, False),
            None,
            {"headers": (cookie,)},
        ),
        (
            "admin search by member",
            lambda rng: admin_lines(sizes, 2000, rng, True),
            None,
            {"headers": (cookie,)},
        ),
    ]
    results, runs = [], {}
    for name, make, target, kw in plan:
        run = measure(server, prefix + name, make, **kw)
        runs[name] = run
        results += http_figures(prefix + name, run, floor, target if targets else None)
    return results, runs


def order_body(cart: dict) -> str:
    """The orderCpnCalc JSON body of scenarios.pricing_cart's cart."""
    return _json(
        {
            "ordMediaCd": cart["ord_media_cd"],
            "siteNo": cart["site_no"],
            "goodsList": [
                {
                    "ordGoodsSeq": g["ord_goods_seq"],
                    "goodsNo": g["goods_no"],
                    "cnt": g["cnt"],
                    "salePrc": g["sale_prc"],
                }
                for g in cart["goods_list"]
            ],
            "dlvGrpList": [
                {
                    "deliNo": d["deli_no"],
                    "dlexAmt": d["dlex_amt"],
                    "ordGoodsSeqList": d["ord_goods_seqs"],
                }
                for d in cart["dlv_grp_list"]
            ],
        }
    )


def order_calc(server, floor: Run) -> list:
    """orderCpnCalc of scenarios.pricing's 30-line cart, members each holding its 50 copies."""
    with pricing_cart(members=PRICING_MEMBERS) as (members, cart):
        body = order_body(cart)
        tokens = [token(m.mbr_no) for m in members]
        run = measure(
            server,
            "orderCpnCalc 30 lines / 50 copies",
            lambda rng: [
                ("POST", "/v1/marketing/orderCpnCalc", t, body)
                for t in rng.sample(tokens, len(tokens))
            ],
        )
    return http_figures("orderCpnCalc 30 lines / 50 copies", run, floor, 0.25)


def first_come(
    server,
    sizes: Sizes,
    floor: Run,
    *,
    limit: int = FIRST_COME_LIMIT,
    burst: int = FIRST_COME_BURST,
    connections: int = FIRST_COME_CONNECTIONS,
    target: float | None = 0.3,
) -> tuple[list, dict]:
    """A promotion limited to `limit`, `burst` distinct members downloading it once each over
    `connections` connections; the issued copies counted in the database afterwards."""
    rng = random.Random(7)
    chosen = rng.sample(range(1, sizes.members + 1), min(burst * 2, sizes.members))
    warm, members = chosen[burst:], chosen[:burst]
    # warm the download path on every worker: an unknown promotion, refused
    wrk(
        server.url,
        [
            ("POST", "/v1/marketing/cpnDown", token(member_no(i)), '{"promoNoList":["C0000001"]}')
            for i in warm or members
        ],
        connections=connections,
        duration=1,
        expect=(404, 409, 400),
    )
    promotion = _live_promotion(promo_nm="bench first-come (wrk)", issu_lmt_qty=limit)
    try:
        body = _json({"promoNoList": [promotion.promo_no]})
        lines = [("POST", "/v1/marketing/cpnDown", token(member_no(i)), body) for i in members]
        run = wrk(
            server.url,
            lines,
            connections=connections,
            duration=60,  # an upper bound: a burst whose every request is answered ends then
            burst=len(lines),
            expect=(200, 409),
        )
        in_db = MemberCoupon.objects.filter(promotion=promotion).count()
        counter = Promotion.objects.get(pk=promotion.pk).issu_qty
    finally:
        _drop_promotion(promotion)
    _log("first-come cpnDown", run, connections)
    print(f"  first-come: coupons in the database {in_db:,}, issued counter {counter:,}")
    exact = in_db == limit and counter == limit and run.statuses.get(200, 0) == limit
    results = [
        figure(
            f"first-come cpnDown: issued (limit {limit:,})",
            in_db,
            "rows",
            limit,
            exact and not any(s >= 500 for s in run.statuses),
        )
    ]
    results += http_figures("first-come cpnDown", run, floor, target)
    return results, {"in_db": in_db, "counter": counter, "run": run}


# -- the small data set --------------------------------------------------------------------------------


def database_url(name: str) -> str:
    s = settings.DATABASES["default"]
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{name}"


def small_database(sizes: Sizes) -> str:
    """`<name>_small`: created when missing, migrated and built with `sizes` (kept for the next
    run, as the full data set is); returns its DATABASE_URL."""
    name = settings.DATABASES["default"]["NAME"] + "_small"
    with connection.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if not cur.fetchone():
            cur.execute(f'CREATE DATABASE "{name}"')
    url = database_url(name)
    env = {**os.environ, "DATABASE_URL": url, "LOG_LEVEL": "WARNING"}
    started = time.perf_counter()
    manage = [sys.executable, "manage.py"]
    subprocess.run(manage + ["migrate", "--noinput", "-v", "0"], cwd=BASE_DIR, env=env, check=True)
    build = (
        "from bench import dataset; "
        f"dataset.build(dataset.Sizes({sizes.members}, {sizes.goods}, {sizes.promotions}, "
        f"{sizes.coupons}), log=lambda *a: None)"
    )
    subprocess.run(manage + ["shell", "-c", build], cwd=BASE_DIR, env=env, check=True)
    print(
        f"  small data set in {name}: {sizes.coupons:,} member coupons, ready in "
        f"{time.perf_counter() - started:.0f} s"
    )
    return url


# -- the scenario -----------------------------------------------------------------------------------


def run(*, sizes: Sizes, server=None) -> list[dict]:
    """The whole load scenario; `server` (the shared one, 4 workers) is not used: the figures
    are of 2 workers, so the scenario starts its own."""
    wrk_binary()
    small = Sizes.small()
    print(
        f"  wrk {THREADS} thread(s) on the same {os.cpu_count()} cores as gunicorn ({WORKERS} "
        f"workers) and PostgreSQL; {WARMUP} s warm-up, {DURATION} s per scenario"
    )
    results = []
    with Server(workers=WORKERS) as full:
        figures, floor = floors(full, "", (READ_CONNECTIONS, FIRST_COME_CONNECTIONS))
        results += figures
        figures, full_runs = reads(full, sizes, "", floor[READ_CONNECTIONS], targets=True)
        results += figures
        results += order_calc(full, floor[READ_CONNECTIONS])
        figures, _ = first_come(full, sizes, floor[FIRST_COME_CONNECTIONS])
        results += figures
    url = small_database(small)
    with Server(workers=WORKERS, env={"DATABASE_URL": url}) as server_small:
        figures, floor_small = floors(server_small, "small: ")
        results += figures
        figures, small_runs = reads(
            server_small, small, "small: ", floor_small[READ_CONNECTIONS], targets=False
        )
        results += figures
    scale = f"{sizes.coupons / 1e6:g}M / {small.coupons / 1e3:g}k"
    for name, run_ in full_runs.items():
        ratio = run_.p50_ms / small_runs[name].p50_ms
        limit = 2 if name.startswith("admin") else 1.3
        results.append(figure(f"{name} p50 {scale}", ratio, "ratio", f"<= {limit}", ratio <= limit))
    return results
