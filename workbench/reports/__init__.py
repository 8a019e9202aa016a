"""Per-source intake reports: what was received, loaded, rejected and duplicated.

- ``data``: the report's tables as pandas DataFrames, read from the warehouse with ibis
- ``charts``: matplotlib Figures (volumes against earlier periods, rejects by reason)
- ``views``: one business view per source (e.g. sb contributions by insurance type)
- ``notebook``: ``SourceReport``, the one object the notebooks call, one method per cell
- ``run``: ``run_source_reports`` runs ``notebooks/intake_<source>.ipynb`` with papermill
  into ``WORKBENCH_HOME/reports/<P>/`` and exports HTML
- ``templates``: generates those notebooks (``python -m workbench.reports.templates``)
"""

from __future__ import annotations

from workbench.reports.charts import plot_rejects, plot_volumes, rejects_chart, volume_chart
from workbench.reports.data import counts, duplicates, quality, reject_examples, rejects_by_reason, volumes
from workbench.reports.notebook import SourceReport
from workbench.reports.run import run_source_reports
from workbench.reports.views import VIEWS, source_view

__all__ = [
    "VIEWS",
    "SourceReport",
    "counts",
    "duplicates",
    "plot_rejects",
    "plot_volumes",
    "quality",
    "reject_examples",
    "rejects_by_reason",
    "rejects_chart",
    "run_source_reports",
    "source_view",
    "volume_chart",
    "volumes",
]
