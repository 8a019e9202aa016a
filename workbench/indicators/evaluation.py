"""Evaluation indicators (监督评估) PG-001…PG-010: rates and ratios per district and period
(the workbench's own, not core)."""

from __future__ import annotations
