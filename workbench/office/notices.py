"""通知公告 (workflow.md, office data): the notices admins publish and everyone reads.

Publishing, changing and withdrawing are ``notice.publish`` (admins, workbench.access); every
logged-in user may read (``notice.view``). A withdrawn notice is kept in the database and no
longer listed. Every change names the version the user saw (``versioning.bump``) and is
appended to the action log in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, Identity, Index, Integer, String, Text, false, func, insert, select
from sqlalchemy.orm import Mapped, mapped_column

from workbench import access
from workbench import validators as v
from workbench.office import actionlog, db
from workbench.office.accounts import Account
from workbench.office.models import ACTOR, Base, now
from workbench.office.states import Action
from workbench.office.versioning import bump

TITLE = v.TITLE.limit


class Notice(Base):
    """通知公告: published by admins, read by everyone; withdrawn notices are kept, hidden."""

    __tablename__ = "office_notice"

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    title: Mapped[str] = mapped_column(String(TITLE))
    content: Mapped[str] = mapped_column(Text)
    published_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    author: Mapped[str] = mapped_column(String(ACTOR))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    withdrawn: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __table_args__ = (Index("ix_office_notice_published_at", "published_at"),)


NOTICE = Notice.__table__
TARGET = access.Target("notice")


@dataclass(frozen=True)
class NoticeView:
    id: int
    title: str
    content: str
    published_at: datetime
    author: str
    version: int


def _view(r: Any) -> NoticeView:
    return NoticeView(r.id, r.title, r.content, r.published_at, r.author, r.version)


def _fields(title: str, content: str) -> dict[str, str]:
    return {"title": v.TITLE.clean(title), "content": v.CONTENT.clean(content)}


def list_notices(account: Account, *, limit: int = 20, offset: int = 0,
                 url: str | None = None) -> tuple[list[NoticeView], int]:
    """One page of the published notices, newest first, and their number."""
    where = NOTICE.c.withdrawn == 0
    if not access.decide(account, "notice.view", TARGET).allowed:
        where = false()
    with db.ready(url).connect() as conn:
        total = conn.execute(select(func.count()).select_from(NOTICE).where(where)).scalar_one()
        rows = conn.execute(select(NOTICE).where(where).order_by(NOTICE.c.published_at.desc(), NOTICE.c.id.desc())
                            .limit(limit).offset(offset)).all()
    return [_view(r) for r in rows], int(total)


def publish_notice(account: Account, title: str, content: str, *, url: str | None = None) -> int:
    """Publish a notice; return its id."""
    access.require(account, "notice.publish", TARGET)
    fields = _fields(title, content)
    with db.ready(url).begin() as conn:
        at = now()
        nid = int(conn.execute(insert(NOTICE).values(**fields, published_at=at, updated_at=at, author=account.username,
                                                     withdrawn=0, version=1)).inserted_primary_key[0])
        actionlog.append(conn, account.username, Action.NOTICE, f"notice:{nid}", None,
                         change="publish", title=fields["title"])
        return nid


def update_notice(account: Account, notice_id: int, version: int, title: str, content: str, *,
                  url: str | None = None) -> int:
    """Change a notice's title and content; return its new version."""
    access.require(account, "notice.publish", TARGET)
    fields = _fields(title, content)
    with db.ready(url).begin() as conn:
        new = bump(conn, NOTICE, notice_id, version, "notice", {**fields, "updated_at": now()})
        actionlog.append(conn, account.username, Action.NOTICE, f"notice:{notice_id}", None,
                         change="update", title=fields["title"], version=new)
        return new


def withdraw_notice(account: Account, notice_id: int, version: int, *, url: str | None = None) -> None:
    """Withdraw a notice: kept in the database, no longer listed."""
    access.require(account, "notice.publish", TARGET)
    with db.ready(url).begin() as conn:
        bump(conn, NOTICE, notice_id, version, "notice", {"withdrawn": 1, "updated_at": now()})
        actionlog.append(conn, account.username, Action.NOTICE, f"notice:{notice_id}", None,
                         change="withdraw")
