"""`make bench`: build the data set on PostgreSQL, run the scenarios, print and save figures.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench make bench
    DATABASE_URL=... .venv/bin/python -m bench --small        # a quick run on a small data set

Figures go to stdout as a table and to var/bench.json as [{"name","value","unit","target","met"}].
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--small", action="store_true", help="a small data set (minutes → seconds)")
    parser.add_argument(
        "--only",
        default="auto,downloads,reads,admin,pricing,load,cost,reports,exports",
        help="comma-separated scenarios: auto, downloads, reads, admin, pricing, load, cost, "
        "reports, exports",
    )
    parser.add_argument(
        "--workers", type=int, default=4, help="gunicorn workers for the HTTP scenarios"
    )
    parser.add_argument("--output", default=None, help="JSON output (default var/bench.json)")
    args = parser.parse_args(argv)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backoffice.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor != "postgresql":
        print(
            "make bench needs PostgreSQL: set DATABASE_URL=postgres://user@host:5432/name "
            "(SQLite is refused: the figures would say nothing about production).",
            file=sys.stderr,
        )
        return 2

    from bench import cost, dataset, exports, load, reports, scenarios

    sizes = dataset.Sizes.small() if args.small else dataset.Sizes()
    started = time.perf_counter()
    print(
        f"bench: {platform.node()} ({os.cpu_count()} cores), PostgreSQL {connection.pg_version // 10000}, "
        f"database {settings.DATABASES['default']['NAME']}"
    )
    call_command("migrate", verbosity=0, interactive=False)
    print(
        f"building data set: {sizes.members:,} members, {sizes.goods:,} goods, "
        f"{sizes.promotions:,} promotions, {sizes.coupons:,} member coupons"
    )
    dataset.build(sizes)
    print(f"data set ready in {time.perf_counter() - started:.0f}s")

    results: list[dict] = []
    only = {s.strip() for s in args.only.split(",") if s.strip()}
    runners = [
        ("auto", scenarios.auto_issue),
        ("downloads", scenarios.downloads),
        ("reads", scenarios.reads),
        ("admin", scenarios.admin),
        ("pricing", scenarios.pricing),
        ("load", load.run),  # wrk against its own 2 workers
        ("cost", cost.run),  # CPU per request in process, and where it goes
        ("reports", reports.run),
        ("exports", exports.exports),
    ]
    with scenarios.Server(workers=args.workers) as server:
        for name, run in runners:
            if name in only:
                print(f"--- {name}")
                results.extend(run(sizes=sizes, server=server))

    print()
    print(f"{'figure':<48} {'value':>12} {'unit':<8} {'target':<12} met")
    for r in results:
        target = r["target"] if r["target"] is not None else "-"
        met = {True: "yes", False: "NO", None: "-"}[r["met"]]
        print(f"{r['name']:<48} {r['value']:>12,.2f} {r['unit']:<8} {str(target):<12} {met}")
    output = Path(args.output) if args.output else Path(settings.BASE_DIR) / "var" / "bench.json"
    output.parent.mkdir(exist_ok=True)
    output.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    print(f"\nwritten to {output}; total {time.perf_counter() - started:.0f}s")
    return 0 if all(r["met"] is not False for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
