"""``workbench indicators``: evaluate, then publish to the office, or (dry run) compare.

A dry run evaluates with the given parameters and reports, per indicator, the hits it
would add and remove against what is published for the period: how supervisors try a
threshold before adopting it. Nothing is written.
"""

from __future__ import annotations

import sys
from typing import TextIO

from workbench.indicators.runner import Evaluation, evaluate


def run_indicators(period: str, only: list[str] | None = None, overrides: list[str] | None = None,
                   dry_run: bool = False, progress: bool = False, out: TextIO = sys.stdout) -> int:
    from workbench.errors import UsageError
    from workbench.office.publish import publish
    from workbench.office.runs import record_failed_run

    try:
        evaluations = evaluate(period, only=only, overrides=overrides, progress=progress)
    except UsageError:
        raise  # bad arguments: nothing ran, nothing to record
    except Exception as exc:
        if not dry_run:
            record_failed_run(period, exc, only)
        raise
    if dry_run:
        print_dry_run(period, evaluations, out)
        return 0
    summary = publish(evaluations, period, only=only)
    hits = sum(len(e.problems) for e in evaluations)
    print(f"indicators {period}: {len(evaluations)} evaluated, {hits} hits; published: "
          f"{summary.new} new, {summary.updated} updated, {summary.reopened} reopened "
          f"(run {summary.run_id})", file=out)
    return 0


def dry_run_diff(period: str, evaluations: list[Evaluation]) -> dict[str, tuple[set[str], set[str]]]:
    """Per indicator: (subject keys added, subject keys removed) against what is published."""
    from workbench.office.exports import published_keys

    published = published_keys(period, [e.indicator.code for e in evaluations])
    diff = {}
    for e in evaluations:
        now = {p.subject_key for p in e.problems}
        before = published.get(e.indicator.code, set())
        diff[e.indicator.code] = (now - before, before - now)
    return diff


def print_dry_run(period: str, evaluations: list[Evaluation], out: TextIO) -> None:
    diff = dry_run_diff(period, evaluations)
    print(f"dry run {period} (nothing published): indicator, hits, added, removed", file=out)
    for e in evaluations:
        added, removed = diff[e.indicator.code]
        params = ", ".join(f"{k}={v}" for k, v in e.params.items() if not isinstance(v, list | dict))
        print(f"  {e.indicator.code:<8} {len(e.problems):>6} {'+' + str(len(added)):>7} "
              f"{'-' + str(len(removed)):>7}  {params}", file=out)
        for key in sorted(added)[:5]:
            print(f"           + {key}", file=out)
        for key in sorted(removed)[:5]:
            print(f"           - {key}", file=out)
