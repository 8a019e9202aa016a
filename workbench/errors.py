"""One error tree for everything a user can act on.

Each error carries the context it is about (file, table, line, column, period) and
renders as one line; the CLI prints ``Error: <message>`` and exits with ``exit_code``.
"""

from __future__ import annotations

import difflib


def first_line(exc: BaseException) -> str:
    """The first line of an exception's message (a driver's own error when SQLAlchemy wraps
    one), or its type's name when it has none: what one-line messages quote."""
    inner = getattr(exc, "orig", None) or exc
    text = str(inner).strip() or type(inner).__name__
    return text.splitlines()[0].strip()


class WorkbenchError(Exception):
    """Base of every error the workbench reports to a user."""

    exit_code = 1

    def __init__(self, message: str, **context: object) -> None:
        super().__init__(message)
        self.context = {k: v for k, v in context.items() if v is not None}


class UsageError(WorkbenchError):
    """A bad argument or parameter (CLI exit status 2)."""

    exit_code = 2


class ParameterError(UsageError):
    """A parameters/ file or override that does not validate."""


class UnknownTableError(UsageError):
    def __init__(self, name: str, known: list[str]) -> None:
        super().__init__(f"unknown table {name!r}{suggest(name, known)}", table=name)


class DeliveryError(WorkbenchError):
    """The delivery cannot be read at all (unreachable server, refused login): the environment,
    CLI exit status 2."""

    exit_code = 2


class DeliveryRefused(DeliveryError):
    """The delivery refused whole: its manifest is missing or unreadable, or leads outside
    the landing folder (CLI exit status 3, as a refused file)."""

    exit_code = 3


class FileRefused(WorkbenchError):
    """A delivery file refused whole (manifest, checksum, encoding, header)."""

    exit_code = 3

    def __init__(self, file: str, reason: str, table: str | None = None) -> None:
        super().__init__(f"{file}: {reason}", file=file, table=table)
        self.file = file
        self.reason = reason
        self.table = table


class WarehouseError(WorkbenchError):
    """The warehouse cannot be reached or written: the environment, CLI exit status 2."""

    exit_code = 2


class AccountingError(WorkbenchError):
    """rows in != loaded + rejected + duplicates for a file: the run fails."""


class OfficeError(WorkbenchError):
    """An office action refused: ``str()`` is the English message (CLI), ``zh`` the Chinese
    one shown in the web apps. On the command line it is a bad argument (no such user, a
    name taken, a role that may not): exit status 2."""

    exit_code = 2

    def __init__(self, message: str, zh: str, **context: object) -> None:
        super().__init__(message, **context)
        self.zh = zh


class AuthError(OfficeError):
    """Login refused or session no longer valid."""


class PermissionDenied(OfficeError):
    """The user's roles or district do not allow the action."""


class StaleEdit(OfficeError):
    """Someone else changed the record since it was read (optimistic locking)."""


FAILED_ZH = "操作失败，未执行任何操作，请刷新页面后重试"


def message_zh(exc: BaseException, default: str = FAILED_ZH) -> str:
    """The Chinese message a page shows for ``exc``: an office refusal's own ``zh`` (every
    ``OfficeError``: permission, stale edit, a refused value, login), else ``default`` (an
    unexpected error's text is never shown; the server logs its trace)."""
    zh = exc.zh if isinstance(exc, OfficeError) else getattr(exc, "zh", None)
    return zh if isinstance(zh, str) and zh else default


def suggest(value: str, choices: list[str] | tuple[str, ...]) -> str:
    """A ``; did you mean …?`` suffix naming close matches, or an empty string."""
    close = difflib.get_close_matches(value, list(choices), n=3, cutoff=0.6)
    return f"; did you mean {', '.join(close)}?" if close else ""
