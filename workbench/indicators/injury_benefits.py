"""Further work-injury (工伤) indicators GS-011…GS-015: determinations, appraisals and injury benefits
(the workbench's own, not core)."""

from __future__ import annotations
