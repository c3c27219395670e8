"""The four measured scenarios of issue 7. Each returns figures {"name","value","unit","target","met"}."""

from __future__ import annotations

import os
import random
import resource
import socket
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import jwt
import requests  # noqa: TID251 - the benchmark is an HTTP client of our own server, not a marketplace client
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone

from bench.dataset import GOODS_BASE, bench_user, member_no
from coupons import codes
from coupons.models import MemberCoupon, Promotion
from coupons.services import promotion_approve, promotion_create

BASE_DIR = Path(settings.BASE_DIR)
JWT_SECRET = "bench-member-jwt-secret-0123456789abcdef"
AUTO_ISSUE_DATE = "2021-03-01"  # every bench member signed up that day (bench/dataset.py)


def figure(name, value, unit, target=None, met=None) -> dict:
    print(f"  {name}: {value:,.2f} {unit}" + (f" (target {target})" if target is not None else ""))
    return {
        "name": name,
        "value": round(float(value), 3),
        "unit": unit,
        "target": target,
        "met": met,
    }


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = min(len(ordered) - 1, max(0, int(round(p / 100 * len(ordered) + 0.5)) - 1))
    return ordered[k]


def token(mbr_no: str) -> str:
    now = int(time.time())
    return jwt.encode({"sub": mbr_no, "iat": now, "exp": now + 3600}, JWT_SECRET, algorithm="HS256")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """gunicorn serving the project on loopback, the way production runs it."""

    def __init__(
        self, workers: int = 4, env: dict | None = None, args: tuple = (), timeout: int = 120
    ):
        self.workers = workers
        self.extra_env = env or {}  # e.g. another DATABASE_URL (bench/load.py's small data set)
        self.args, self.timeout = tuple(args), timeout  # e.g. a worker class (bench/exports.py)
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = None

    def __enter__(self):
        env = {
            **os.environ,
            "MEMBER_JWT_SECRET": JWT_SECRET,
            "CONN_MAX_AGE": "600",
            "DEBUG": "false",
            "LOG_LEVEL": "ERROR",
            **self.extra_env,
        }
        self.proc = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "gunicorn"),
                "backoffice.wsgi",
                "-w",
                str(self.workers),
                *self.args,
                "-b",
                f"127.0.0.1:{self.port}",
                "--log-level",
                "warning",
                "--timeout",
                str(self.timeout),
            ],
            cwd=BASE_DIR,
            env=env,
        )
        deadline = time.time() + 120
        while time.time() < deadline:
            try:
                requests.get(self.url + "/admin/login/", timeout=10)
                return self
            except requests.RequestException:
                time.sleep(0.5)
        self.__exit__()
        raise RuntimeError("gunicorn did not start")

    def __exit__(self, *exc):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def _approver():
    User = get_user_model()
    user, created = User.objects.get_or_create(
        username="bench-approver", defaults={"is_staff": True, "is_superuser": True}
    )
    return user


def _live_promotion(**fields) -> Promotion:
    now = timezone.now()
    data = {
        "promo_nm": "bench scenario",
        "promo_typ_cd": codes.PromoType.GOODS,
        "cpn_issu_main_cd": codes.Issuer.FIXED,
        "cpn_issu_way_cd": codes.IssueMethod.DOWNLOAD,
        "fix_amt_fxrt_gb_cd": codes.DiscountKind.AMOUNT,
        "dc_rate_amt": 1000,
        "min_buy_amt": 10000,
        "promo_str_dtm": now - timedelta(hours=1),
        "promo_end_dtm": now + timedelta(days=10),
        "vali_basis_cd": codes.ValidityBasis.DAYS,
        "vali_days": 30,
        "ord_media_cds": codes.OrdMedia.values,
        "mbr_issu_lmt_qty": 1,
    }
    data.update(fields)
    promotion = promotion_create(user=bench_user(), data=data)
    return promotion_approve(user=_approver(), promotion=promotion)


def _drop_promotion(promotion: Promotion, *, vacuum: bool = False) -> None:
    with connection.cursor() as cur:
        for table in (
            "coupons_membercoupon",
            "coupons_memberpromotioncounter",
            "coupons_coupondailystat",  # the report's rollup of those copies (a FK to the row)
        ):
            cur.execute(f"DELETE FROM {table} WHERE promotion_id = %s", [promotion.pk])
        cur.execute("DELETE FROM coupons_promotion WHERE id = %s", [promotion.pk])
        if vacuum:
            # Two million dead rows at the top of the time indexes make the planner walk them on
            # every query until autovacuum comes by (get_actual_variable_range): clean up at once,
            # as a production table that never deletes a round would not need.
            cur.execute("VACUUM (ANALYZE) coupons_membercoupon")


# -- 1. auto-issue ----------------------------------------------------------------------------------


def auto_issue(*, sizes, server) -> list[dict]:
    promotion = _live_promotion(
        promo_nm="bench auto-issue",
        cpn_issu_main_cd=codes.Issuer.AUTO,
        cpn_issu_way_cd=codes.IssueMethod.AUTO,
        auto_issu_typ_cd="1001",
        auto_issu_potm_cd=codes.AutoIssueTiming.ON_DAY,
        auto_issu_qty=1,
        mbr_issu_lmt_qty=1,
    )
    round_no = f"B{int(time.time())}"
    try:
        started = time.perf_counter()
        proc = subprocess.Popen(
            [
                sys.executable,
                "manage.py",
                "issue_auto_coupons",
                "--type",
                "1001",
                "--round",
                round_no,
                "--date",
                AUTO_ISSUE_DATE,
            ],
            cwd=BASE_DIR,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        out, err = proc.communicate()
        seconds = time.perf_counter() - started
        # Peak RSS over waited-for children: this command is the only one so far (gunicorn still runs).
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        if proc.returncode:
            raise RuntimeError(f"issue_auto_coupons failed: {err or out}")
        print("  " + out.strip().splitlines()[-1])
        issued = MemberCoupon.objects.filter(promotion=promotion, auto_issu_odr=round_no).count()
        rate = issued / seconds

        # The baseline: COPY the same rows (another round) into the same table, same indexes.
        now = timezone.now()
        until = now + timedelta(days=30)
        copy_round = round_no + "C"
        started = time.perf_counter()
        with connection.cursor() as cur:
            with cur.cursor.copy(
                "COPY coupons_membercoupon (member_id, promotion_id, seq, issued_at, valid_from, valid_until, "
                "status, channel, cs_cpn_pay_caus_cd, system_user_no, auto_issu_odr, memo, ord_no, revoke_reason) FROM STDIN"
            ) as copy:
                for i in range(1, sizes.members + 1):
                    copy.write_row(
                        (
                            member_no(i),
                            promotion.pk,
                            1,
                            now,
                            now,
                            until,
                            "ISSUED",
                            "BATCH",
                            "",
                            "BATCH",
                            copy_round,
                            "",
                            "",
                            "",
                        )
                    )
        copy_seconds = time.perf_counter() - started
        copy_rate = sizes.members / copy_seconds
        print(f"  COPY of {sizes.members:,} rows: {copy_seconds:.1f}s")
    finally:
        _drop_promotion(promotion, vacuum=True)
    ratio = rate / copy_rate
    return [
        figure("auto-issue members issued", issued, "rows", sizes.members, issued == sizes.members),
        figure("auto-issue rate", rate, "rows/s"),
        figure("raw COPY rate (same rows, same table)", copy_rate, "rows/s"),
        figure("auto-issue / COPY", ratio, "ratio", ">= 0.7", ratio >= 0.7),
        figure("auto-issue peak memory", peak_mb, "MB", "<= 300", peak_mb <= 300),
    ]


# -- 2. first-come downloads --------------------------------------------------------------------------


def downloads(
    *, sizes, server, clients: int = 64, per_client: int = 32, limit: int = 1000
) -> list[dict]:
    promotion = _live_promotion(promo_nm="bench first-come", issu_lmt_qty=limit)
    members = random.Random(7).sample(range(1, sizes.members + 1), clients * per_client)
    latencies: list[float] = []
    issued = [0]
    statuses: dict[int, int] = {}
    lock = threading.Lock()
    barrier = threading.Barrier(clients)

    def client(batch):
        session = requests.Session()
        mine = []
        barrier.wait()
        for i in batch:
            mbr = member_no(i)
            t = time.perf_counter()
            r = session.post(
                server.url + "/v1/marketing/cpnDown",
                json={"promoNoList": [promotion.promo_no]},
                headers={"Authorization": f"Bearer {token(mbr)}"},
                timeout=60,
            )
            mine.append(time.perf_counter() - t)
            with lock:
                statuses[r.status_code] = statuses.get(r.status_code, 0) + 1
                if r.status_code == 200:
                    issued[0] += r.json()["issuedCnt"]
        with lock:
            latencies.extend(mine)

    try:
        threads = [
            threading.Thread(target=client, args=(members[c::clients],)) for c in range(clients)
        ]
        started = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        seconds = time.perf_counter() - started
        in_db = MemberCoupon.objects.filter(promotion=promotion).count()
        counter = Promotion.objects.get(pk=promotion.pk).issu_qty
    finally:
        _drop_promotion(promotion)
    print(f"  statuses: {statuses}; coupons in the database: {in_db}; issued counter: {counter}")
    exact = in_db == limit and issued[0] == limit and counter == limit and 500 not in statuses
    return [
        figure("first-come: coupons issued (limit 1,000)", in_db, "rows", limit, exact),
        figure("first-come: requests per second", len(latencies) / seconds, "req/s"),
        figure("first-come: p50 latency", pct(latencies, 50) * 1000, "ms"),
        figure("first-come: p99 latency", pct(latencies, 99) * 1000, "ms"),
    ]


# -- 3. reads ---------------------------------------------------------------------------------------


def _timed(session, method, url, n, make) -> list[float]:
    latencies = []
    for i in range(n):
        kwargs = make(i)
        t = time.perf_counter()
        r = session.request(method, url, timeout=30, **kwargs)
        latencies.append(time.perf_counter() - t)
        if r.status_code != 200:
            raise RuntimeError(f"{method} {url} -> {r.status_code}: {r.text[:300]}")
    return latencies


def reads(*, sizes, server, n: int = 1000) -> list[dict]:
    rng = random.Random(11)
    members = [member_no(rng.randint(1, sizes.members)) for _ in range(n)]
    goods = [str(GOODS_BASE + rng.randint(1, sizes.goods)) for _ in range(n)]
    session = requests.Session()

    def box(i):
        return {
            "params": {"sortGb": "10" if i % 2 else "20", "rowsPerPage": 10, "pageIdx": 1},
            "headers": {"Authorization": f"Bearer {token(members[i])}"},
        }

    def detail(i):
        return {
            "json": {
                "goodsNo": goods[i],
                "ordMediaCd": "20",
                "cpnType": "20" if i % 2 else "10",
                "sortGb": "10",
                "rowsPerPage": 10,
                "pageIdx": 1,
            },
            "headers": {"Authorization": f"Bearer {token(members[i])}"},
        }

    _timed(
        session, "GET", server.url + "/v1/marketing/cpnIssuList", 50, box
    )  # warm up every worker
    _timed(session, "POST", server.url + "/v1/marketing/goodsDetailCpnList", 50, detail)
    box_lat = _timed(session, "GET", server.url + "/v1/marketing/cpnIssuList", n, box)
    detail_lat = _timed(session, "POST", server.url + "/v1/marketing/goodsDetailCpnList", n, detail)
    box_p99, detail_p99 = pct(box_lat, 99) * 1000, pct(detail_lat, 99) * 1000
    return [
        figure("cpnIssuList p50", pct(box_lat, 50) * 1000, "ms"),
        figure("cpnIssuList p99", box_p99, "ms", "<= 25", box_p99 <= 25),
        figure("goodsDetailCpnList p50", pct(detail_lat, 50) * 1000, "ms"),
        figure("goodsDetailCpnList p99", detail_p99, "ms", "<= 50", detail_p99 <= 50),
    ]


# -- 4. admin -----------------------------------------------------------------------------------------


def admin(*, sizes, server, n: int = 100) -> list[dict]:
    bench_user()
    session = requests.Session()
    login = server.url + "/admin/login/"
    session.get(login)
    r = session.post(
        login,
        data={
            "username": "bench",
            "password": "bench-password",
            "csrfmiddlewaretoken": session.cookies["csrftoken"],
            "next": "/admin/",
        },
        headers={"Referer": login},
    )
    if "sessionid" not in session.cookies:
        raise RuntimeError(f"admin login failed: {r.status_code}")
    url = server.url + "/admin/coupons/membercoupon/"
    rng = random.Random(13)
    _timed(session, "GET", url, 5, lambda i: {})
    listing = _timed(session, "GET", url, n, lambda i: {"params": {"p": i % 5}} if i % 5 else {})
    search = _timed(
        session,
        "GET",
        url,
        n,
        lambda i: {"params": {"q": member_no(rng.randint(1, sizes.members))}},
    )
    list_p99, search_p99 = pct(listing, 99) * 1000, pct(search, 99) * 1000
    return [
        figure("admin member-coupon changelist p50", pct(listing, 50) * 1000, "ms"),
        figure("admin member-coupon changelist p99", list_p99, "ms", "<= 300", list_p99 <= 300),
        figure("admin search by member number p50", pct(search, 50) * 1000, "ms"),
        figure("admin search by member number p99", search_p99, "ms", "<= 300", search_p99 <= 300),
    ]


# -- 5. pricing -------------------------------------------------------------------------------------

# The member's 50 usable copies (promotion terms, copies): all-goods and brand / category / vendor
# targeted goods coupons, stackables, cart and free-shipping coupons, several copies of each.
PRICING_PLAN = [
    ({"fix_amt_fxrt_gb_cd": "02", "dc_rate_amt": 10, "max_dc_amt": 5000, "min_buy_amt": 0}, (), 5),
    ({"dc_rate_amt": 3000, "min_buy_amt": 30000}, (), 5),
    ({"fix_amt_fxrt_gb_cd": "02", "dc_rate_amt": 15, "min_buy_amt": 0}, (("01", "06", "PB1"),), 4),
    ({"fix_amt_fxrt_gb_cd": "02", "dc_rate_amt": 20, "min_buy_amt": 0}, (("01", "06", "PB2"),), 4),
    ({"dc_rate_amt": 5000, "min_buy_amt": 20000}, (("01", "03", "PC3"),), 4),
    ({"fix_amt_fxrt_gb_cd": "02", "dc_rate_amt": 12, "min_buy_amt": 0}, (("02", "06", "PB4"),), 4),
    ({"promo_typ_cd": "13", "fix_amt_fxrt_gb_cd": "02", "dc_rate_amt": 5, "min_buy_amt": 0}, (), 5),
    ({"promo_typ_cd": "13", "dc_rate_amt": 1000, "min_buy_amt": 1000}, (("01", "05", "PV1"),), 4),
    (
        {
            "promo_typ_cd": "12",
            "fix_amt_fxrt_gb_cd": "02",
            "dc_rate_amt": 7,
            "max_dc_amt": 20000,
            "min_buy_amt": 0,
        },
        (),
        3,
    ),
    ({"promo_typ_cd": "12", "dc_rate_amt": 10000, "min_buy_amt": 100000}, (), 3),
    (
        {"promo_typ_cd": "12", "fix_amt_fxrt_gb_cd": "02", "dc_rate_amt": 10, "min_buy_amt": 0},
        (("01", "05", "PV2"),),
        3,
    ),
    (
        {"promo_typ_cd": "14", "fix_amt_fxrt_gb_cd": "", "dc_rate_amt": None, "min_buy_amt": 0},
        (),
        3,
    ),
    (
        {"promo_typ_cd": "14", "fix_amt_fxrt_gb_cd": "", "dc_rate_amt": None, "min_buy_amt": 0},
        (("01", "05", "PV3"),),
        3,
    ),
]
PRICING_LINES = 30


@contextmanager
def pricing_cart(*, members: int = 1):
    """The 30-line cart and `members` members each holding the 50 usable copies (PRICING_PLAN);
    yields (members, cart) — cart is load_order's keyword arguments but the member — and drops
    the promotions afterwards. bench/load.py sends the same cart to orderCpnCalc."""
    from coupons import issuing
    from coupons.models import Goods, Member

    rng = random.Random(17)
    for stale in Promotion.objects.filter(promo_nm="bench pricing"):  # an interrupted run's
        stale.targets.all().delete()
        _drop_promotion(stale)
    holders = [
        Member.objects.get_or_create(
            mbr_no="BENCHPRICE" + (f"{k:03d}" if k else ""),
            defaults={"grade_cd": codes.Grade.GOLD, "site_no": "1"},
        )[0]
        for k in range(members)
    ]
    goods = []
    for i in range(1, PRICING_LINES + 1):
        g, _ = Goods.objects.update_or_create(
            goods_no=f"BP{i:04d}",
            defaults={
                "goods_nm": f"bench pricing goods {i}",
                "sale_price": rng.randrange(50, 800) * 100,
                "entr_no": f"PV{i % 5}",
                "disp_ctg_no": f"PC{i % 6}",
                "brand_no": f"PB{i % 6}",
                "site_no": "1",
            },
        )
        goods.append(g)
    promotions = []
    try:
        for fields, targets, copies in PRICING_PLAN:
            data = {
                "promo_nm": "bench pricing",
                "fix_amt_fxrt_gb_cd": codes.DiscountKind.AMOUNT,
                "mbr_issu_lmt_qty": copies,
                **fields,
            }
            if targets:
                data["all_goods_yn"] = not any(gb == "01" for gb, _, _ in targets)
            promotion = _live_promotion(**data)
            for gb, typ, no in targets:
                promotion.targets.create(aply_gb_cd=gb, aply_typ_cd=typ, tgt_no=no)
            for member in holders:
                issuing.coupon_issue(
                    member=member, promotion=promotion, qty=copies, channel=codes.Channel.DOWNLOAD
                )
            promotions.append(promotion)
        goods_list = [
            {
                "ord_goods_seq": i,
                "goods_no": g.goods_no,
                "cnt": rng.randint(1, 3),
                "sale_prc": g.sale_price,
            }
            for i, g in enumerate(goods, start=1)
        ]
        groups = [
            {
                "deli_no": f"D{v}",
                "dlex_amt": 3000,
                "ord_goods_seqs": [
                    i for i, g in enumerate(goods, start=1) if g.entr_no == f"PV{v}"
                ],
            }
            for v in range(5)
        ]
        yield (
            holders,
            dict(ord_media_cd="20", site_no="1", goods_list=goods_list, dlv_grp_list=groups),
        )
    finally:
        for promotion in promotions:
            promotion.targets.all().delete()
            _drop_promotion(promotion)


def pricing(*, sizes, server, n: int = 21) -> list[dict]:
    """orderCpnCalc's work in process (load_order + price_order), a 30-line cart and a member
    holding 50 usable copies; the pure best choice timed apart."""
    from coupons import pricing as pricing_

    with pricing_cart() as (members, cart):
        load = dict(member=members[0], **cart)
        loaded = pricing_.load_order(**load)
        usable = [c for c in loaded.copies if pricing_.copy_refusal(loaded.order, c) is None]
        whole, pure = [], []
        for _ in range(n):
            t = time.perf_counter()
            loaded = pricing_.load_order(**load)
            result = pricing_.price_order(loaded.order, loaded.copies)
            whole.append(time.perf_counter() - t)
            t = time.perf_counter()
            pricing_.best_choice(loaded.order, loaded.copies)
            pure.append(time.perf_counter() - t)
        print(
            f"  {len(loaded.order.lines)} lines, {len(usable)} usable copies; best total "
            f"{result.best.total_dc_amt:,} KRW with {len(result.best.benefits)} coupons"
        )
    best_p50 = pct(pure, 50) * 1000
    return [
        figure(
            "pricing 30 lines / 50 copies: best choice p50", best_p50, "ms", "<= 5", best_p50 <= 5
        ),
        figure("pricing 30 lines / 50 copies: orderCpnCalc work p50", pct(whole, 50) * 1000, "ms"),
    ]
