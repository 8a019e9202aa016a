"""Planted stories of the further indicators (unemployment_injury):
positives and near-misses for ``workbench synth``."""

from __future__ import annotations
