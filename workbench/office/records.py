"""Office data kept beside the workflow (workflow.md): notices, staff base information,
district supervision reports, implementation status (models and services)."""

from __future__ import annotations
