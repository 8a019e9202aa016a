"""Benchmark: the server's cost of one queue page, in process (no HTTP, no browser).

    .venv/bin/python benchmarks/office/page_build.py OFFICE_URL [--repeat 12]

Builds ``workbench.apps.queue.QueuePage`` for a district handler (110105) and a city handler and
serializes it into a Bokeh document as ``workbench serve`` does for a GET (queue query, Panel
models, JSON), median of ``--repeat`` builds each, wall clock and CPU of this process
(``time.process_time``: what the load of other processes does not change); and ``params.load("office")`` read and
validated against an unchanged file (the server asks for it on every session check). OFFICE_URL:
an office database with problems, e.g. the one benchmarks/office/run.py fills (keep it with
``WORKBENCH_OFFICE_DB`` pointing at a database of your own)."""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bokeh.document import Document
from bokeh.embed.util import standalone_docs_json_and_render_items

from workbench import params
from workbench.indicators.registry import load_all
from workbench.office.accounts import Account
from workbench.office.roles import Role

ACCOUNTS = {"区县处理人 110105": Account(1, "bench-dh", "区县", "110105", frozenset({Role.DISTRICT_HANDLER})),
            "市级处理人": Account(2, "bench-ch", "市级", None, frozenset({Role.CITY_HANDLER}))}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("url")
    ap.add_argument("--repeat", type=int, default=12)
    args = ap.parse_args(argv)
    import os

    os.environ["WORKBENCH_OFFICE_DB"] = args.url
    logging.getLogger("bokeh").setLevel(logging.ERROR)  # "standalone output with Python callbacks"
    load_all()
    from workbench.apps.queue import QueuePage, indicator_names

    indicator_names()

    def build(account: Account) -> None:
        doc = Document()
        root = QueuePage(account).__panel__().get_root(doc)
        doc.add_root(root)
        standalone_docs_json_and_render_items([root])

    for who, account in ACCOUNTS.items():
        build(account)  # warm
        times, cpu = [], []
        for _ in range(args.repeat):
            t, c = time.perf_counter(), time.process_time()
            build(account)
            times.append(time.perf_counter() - t)
            cpu.append(time.process_time() - c)
        # CPU (this process only): what other processes' load does not change
        print(f"| queue page built and serialized, {who} | {statistics.median(times) * 1000:.0f} "
              f"| CPU {statistics.median(cpu) * 1000:.0f} |")
    params._LOADED.clear()
    t = time.perf_counter()
    for _ in range(20):
        params._LOADED.clear()
        params.load("office")
    fresh = (time.perf_counter() - t) / 20
    t = time.perf_counter()
    for _ in range(200):
        params.load("office")
    print(f"| params.load('office'), file read and validated | {fresh * 1000:.1f} |")
    print(f"| params.load('office'), file unchanged | {(time.perf_counter() - t) / 200 * 1000:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
