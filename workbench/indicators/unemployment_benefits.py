"""Further unemployment (失业) indicators SY-009…SY-013
(the workbench's own, not core)."""

from __future__ import annotations
