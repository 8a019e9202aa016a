"""Information comparison (信息比对) indicators ZH-013…ZH-017: cross-source checks of identities, units
and registrations
(the workbench's own, not core)."""

from __future__ import annotations
