"""Synthetic monthly deliveries of the data contract, with exact ground truth.

``generate(out, period, persons, seed, months)`` writes ``out/<P>/MANIFEST.csv`` and one
CSV per table for each of ``months`` periods ending at ``period``, and the truth beside
them in ``out/_truth/<P>/`` (intake counts, rejects, planted problems and near-misses).

Modules: ``config`` (parameters/synth.yaml), ``calendar`` (months, dates, text columns),
``ids`` and ``names`` (resident ids, credit codes, Chinese names), ``population`` (people,
units, timelines), ``tables`` (background rows per month), ``plants`` and ``stories``
(planted positives and near-misses of the 40 core indicators), ``dirty`` (rows
exercising the cleaning rules), ``writer`` (CSV files and manifest), ``truth``, ``run``.
"""

from workbench.synth.run import generate

__all__ = ["generate"]
