"""Personal account (个人账户) indicators ZH-008…ZH-012
(the workbench's own, not core)."""

from __future__ import annotations
