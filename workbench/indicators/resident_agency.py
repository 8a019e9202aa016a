"""Further resident (居民养老) and agency (机关养老) pension indicators JM-007…JM-011, JG-004…JG-008
(the workbench's own, not core)."""

from __future__ import annotations
