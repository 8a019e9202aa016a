"""The supervision office (监督办公): the workflow database of suspected problems.

``db`` (engine, sessions, migrations), ``models`` (tables), ``states`` (problem states and
their allowed transitions), ``publish`` (an indicator run into problems), ``exports``
(``workbench problems export``). The schema is created and changed only by the Alembic
revisions under ``migrations/``; ``db.upgrade(url)`` applies them.
"""
