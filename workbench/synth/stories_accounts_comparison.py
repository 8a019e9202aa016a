"""Planted stories of the further indicators (accounts_comparison):
positives and near-misses for ``workbench synth``."""

from __future__ import annotations
