"""Planted stories of the further indicators (further):
positives and near-misses for ``workbench synth``."""

from __future__ import annotations
