"""Further car and house purchase checks (购车购房) GC-005…GC-006, GF-004…GF-005
(the workbench's own, not core)."""

from __future__ import annotations
