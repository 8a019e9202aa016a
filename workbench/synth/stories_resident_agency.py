"""Planted stories of the further indicators (resident_agency):
positives and near-misses for ``workbench synth``."""

from __future__ import annotations
