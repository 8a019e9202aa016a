"""Planted stories of the further indicators (pension_payments):
positives and near-misses for ``workbench synth``."""

from __future__ import annotations
