"""Further employee-pension (养老) indicators YL-015…YL-024: approvals, payments and back-payments
(the workbench's own, not core)."""

from __future__ import annotations
