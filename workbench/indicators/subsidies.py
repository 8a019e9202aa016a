"""Further HR-market (人力资源市场) subsidy indicators JY-009…JY-014
(the workbench's own, not core)."""

from __future__ import annotations
