"""Revisions of the office schema, oldest first (``0001_...``)."""
