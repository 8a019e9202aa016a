"""Alembic environment of the office database (run through ``workbench.office.db.upgrade``)."""
