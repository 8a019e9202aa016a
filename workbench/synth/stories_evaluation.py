"""Planted stories of the further indicators (evaluation):
positives and near-misses for ``workbench synth``."""

from __future__ import annotations
