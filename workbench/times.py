"""Times: stored in UTC, shown in Beijing time, whatever the server's own time zone.

SQLite hands back the UTC it was given without a zone; ``utc`` reads such a value as UTC, so
every database gives the same instant. ``LOCAL`` is the office's clock (Asia/Shanghai): days
of the log filter, deadlines chosen on a page and every time a person reads are in it."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

LOCAL = ZoneInfo("Asia/Shanghai")


def utc(at: datetime | None) -> datetime | None:
    """``at`` as an aware UTC time (a value without a zone is UTC, as the office stores it)."""
    if at is None:
        return None
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


def local(at: datetime) -> datetime:
    """``at`` in Beijing time."""
    return utc(at).astimezone(LOCAL)


def start_of(day: date) -> datetime:
    """Beijing midnight of ``day``, in UTC."""
    return datetime.combine(day, time(), tzinfo=LOCAL).astimezone(UTC)


def day_text(at: datetime | None) -> str:
    """``2026-12-08`` in Beijing time; ``—`` for none."""
    return "—" if at is None else local(at).strftime("%Y-%m-%d")


def minute_text(at: datetime | None) -> str:
    """``2026-12-08 09:30`` in Beijing time; ``—`` for none."""
    return "—" if at is None else local(at).strftime("%Y-%m-%d %H:%M")


def second_text(at: datetime | None) -> str:
    """``2026-12-08 09:30:05`` in Beijing time; ``—`` for none."""
    return "—" if at is None else local(at).strftime("%Y-%m-%d %H:%M:%S")
