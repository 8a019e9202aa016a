"""Planted stories of the further indicators (subsidies_purchase):
positives and near-misses for ``workbench synth``."""

from __future__ import annotations
