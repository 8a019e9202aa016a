"""Statistics archived per period and district assessment scores (models and services)."""

from __future__ import annotations
