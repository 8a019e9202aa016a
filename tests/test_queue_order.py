"""The default queue (我的待办) read part by part (``workflow.queue``: the first rows of each
(districts, state) part in deadline order, migration 0015) returns the pages the plain query
returns: the same problems, the same order, the same total, on SQLite and PostgreSQL, for
every page, with filters, with ties on the deadline broken by id."""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import and_, select, update
from test_office_publish import evaluation

from workbench import access
from workbench.districts import CITY_CODE
from workbench.office import db, workflow
from workbench.office.accounts import Account
from workbench.office.models import Problem, now
from workbench.office.publish import publish
from workbench.office.roles import Role
from workbench.office.states import ProblemState
from workbench.office.workflow import QueueFilter

P = Problem.__table__
CH = Account(7, "ch-order", "测试", None, frozenset({Role.CITY_HANDLER}))
DISTRICTS = ("110105", "110108", "110101", CITY_CODE)


def filled(url: str) -> None:
    rng = random.Random(11)
    hits = [(f"1101011990{i:08d}", DISTRICTS[i % len(DISTRICTS)], "10") for i in range(240)]
    publish([evaluation("A01", hits[:120]), evaluation("A02", hits[120:])], "202406", url)
    states = [s.value for s in ProblemState]
    base = now()
    with db.engine(url).begin() as conn:
        for problem_id in conn.execute(select(P.c.id)).scalars().all():
            # few distinct deadlines: many ties, broken by id
            conn.execute(update(P).where(P.c.id == problem_id).values(
                state=rng.choice(states), deadline=base + timedelta(days=rng.randint(-5, 5))))


def plain(url: str, f: QueueFilter, limit: int, offset: int) -> tuple[list[int], int]:
    """The page as one query over the whole work set (what the queue returned before 0015)."""
    cond = [access.problem_scope(CH), workflow.work(CH)]
    if f.overdue_only:
        cond += [P.c.state != ProblemState.CLOSED.value, P.c.deadline < now()]
    if f.indicator_codes:
        cond.append(P.c.indicator_code.in_(f.indicator_codes))
    with db.engine(url).connect() as conn:
        ids = conn.execute(select(P.c.id).where(and_(*cond)).order_by(P.c.deadline, P.c.id)).scalars().all()
    return list(ids[offset:offset + limit]), len(ids)


def test_the_work_set_by_parts_pages_as_the_plain_query(office: str) -> None:
    filled(office)
    groups, requests = workflow.work_parts(CH)
    assert not requests and sum(len(states) for _, states in groups) > 1  # the part-by-part path is taken
    for f in (QueueFilter(mine=True), QueueFilter(mine=True, overdue_only=True),
              QueueFilter(mine=True, indicator_codes=("A02",))):
        expected_total = plain(office, f, 1, 0)[1]
        assert expected_total > 12  # several pages
        for offset in (0, 7, 14, expected_total - 3, expected_total + 5):
            views, total = workflow.queue(CH, f, limit=7, offset=offset, url=office)
            ids, expected_total = plain(office, f, 7, offset)
            assert ([v.id for v in views], total) == (ids, expected_total), (f, offset)
