"""The 10M-row export (issue 13): the member-coupon list's CSV download of the whole table through
HTTP, its rows per second and the serving process's peak memory.

It runs on its own gunicorn with one gthread worker, as `manage.py serve` runs in production, so
the worker that serves the download is known and its memory is its alone. The shared bench
server's sync workers would be killed by their timeout in the middle of a download this long;
gthread workers are not (their main thread keeps telling the arbiter they are alive).
Peak memory is the worker's VmHWM (RSS high-water mark) in /proc, reset just before the download
(`clear_refs` 5) when the kernel allows it, otherwise since the worker started.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import requests  # noqa: TID251 - the benchmark is an HTTP client of our own server, not a marketplace client

from bench.dataset import bench_user
from bench.scenarios import Server, figure
from coupons.models import MemberCoupon

PEAK_TARGET_MB = 300
URL = "/admin/coupons/membercoupon/export/csv/"


class ThreadedServer(Server):
    """One gunicorn gthread worker on loopback (`manage.py serve`'s worker class)."""

    def __init__(self, threads: int = 4, timeout: int = 60):
        super().__init__(
            workers=1, args=("-k", "gthread", "--threads", str(threads)), timeout=timeout
        )

    def worker_pid(self) -> int:
        children = [
            int(pid)
            for pid in os.listdir("/proc")
            if pid.isdigit() and _status(int(pid)).get("PPid") == str(self.proc.pid)
        ]
        if len(children) != 1:
            raise RuntimeError(f"expected one gunicorn worker, found {children}")
        return children[0]


def _status(pid: int) -> dict[str, str]:
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return {}
    return {k: v.strip() for k, _, v in (line.partition(":") for line in text.splitlines())}


def _cpu_seconds(pid: int) -> float:
    """The process's user + system CPU time so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _mb(field: str) -> float:
    return int(field.split()[0]) / 1024  # "123456 kB"


def _reset_peak(pid: int) -> bool:
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def _session(server) -> requests.Session:
    bench_user()
    session = requests.Session()
    login = server.url + "/admin/login/"
    session.get(login, timeout=30)
    session.post(
        login,
        data={
            "username": "bench",
            "password": "bench-password",
            "csrfmiddlewaretoken": session.cookies["csrftoken"],
            "next": "/admin/",
        },
        headers={"Referer": login},
        timeout=30,
    )
    if "sessionid" not in session.cookies:
        raise RuntimeError("admin login failed")
    return session


def export_csv(session, url: str) -> dict:
    """Download one CSV, counting its rows as they arrive; returns rows, bytes and timings."""
    started = time.perf_counter()
    first_byte = None
    size = lines = 0
    with session.get(url, stream=True, timeout=600) as response:
        response.raise_for_status()
        for chunk in response.iter_content(chunk_size=1 << 20):
            if first_byte is None:
                first_byte = time.perf_counter() - started
            size += len(chunk)
            lines += chunk.count(b"\r\n")
    return {
        "rows": lines - 1,  # the header
        "bytes": size,
        "seconds": time.perf_counter() - started,
        "first_byte": first_byte or 0.0,
    }


def exports(*, sizes, server=None) -> list[dict]:
    """The member-coupon CSV of the whole table: rows/s and the worker's peak RSS (target
    <= 300 MB). `server` (the shared one) is not used: see the module's docstring."""
    expected = MemberCoupon.objects.count()
    with ThreadedServer() as own:
        session = _session(own)
        pid = own.worker_pid()
        # warm the worker (imports, templates, a connection) before its memory is measured
        session.get(own.url + "/admin/coupons/membercoupon/", timeout=60).raise_for_status()
        before = _mb(_status(pid)["VmRSS"])
        reset = _reset_peak(pid)
        cpu = _cpu_seconds(pid)
        run = export_csv(session, own.url + URL)
        cpu = _cpu_seconds(pid) - cpu
        status = _status(pid)
        peak, after = _mb(status["VmHWM"]), _mb(status["VmRSS"])
    print(
        f"  {run['rows']:,} rows ({expected:,} in the table), {run['bytes'] / 1e6:,.0f} MB in "
        f"{run['seconds']:.0f} s, first byte after {run['first_byte']:.2f} s; worker RSS "
        f"{before:.0f} MB before, {after:.0f} MB after; worker CPU {cpu:.0f} s"
        + ("" if reset else " (VmHWM since the worker started: clear_refs refused)")
    )
    if run["rows"] != expected:
        raise RuntimeError(f"the export has {run['rows']:,} rows, the table {expected:,}")
    return [
        figure("export member coupons CSV rows/s", run["rows"] / run["seconds"], "rows/s"),
        figure("export member coupons CSV total", run["seconds"], "s"),
        figure("export member coupons CSV first byte", run["first_byte"] * 1000, "ms"),
        # the worker's own CPU per row: what the figure above would be on an idle machine,
        # less the database's share (the 2 cores are shared by PostgreSQL and this client)
        figure("export member coupons CSV worker CPU per row", cpu / run["rows"] * 1e6, "µs"),
        figure(
            "export member coupons CSV peak RSS",
            peak,
            "MB",
            f"<= {PEAK_TARGET_MB}",
            peak <= PEAK_TARGET_MB,
        ),
        figure("export member coupons CSV RSS growth", peak - before, "MB"),
    ]
