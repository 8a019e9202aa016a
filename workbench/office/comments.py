"""意见交流 (comments) on a problem: plain text, by anyone who sees the problem (``access``:
``problem.comment``), recorded as a problem event and in the action log."""

from __future__ import annotations

from sqlalchemy import insert

from workbench import access, validators
from workbench.office import db, workflow
from workbench.office.accounts import Account
from workbench.office.models import ProblemComment, now
from workbench.office.states import Action

COMMENT = ProblemComment.__table__
MAX_COMMENT = validators.COMMENT.limit


def comment(account: Account, problem_id: int, body: str, *, url: str | None = None) -> int:
    """Add a comment (意见交流) to a visible problem; return its id."""
    body = validators.COMMENT.clean(body)
    with db.ready(url).begin() as conn:
        p = workflow.load(conn, account, problem_id)
        access.require(account, "problem.comment", workflow.problem_target(p), problem=problem_id)
        cid = conn.execute(insert(COMMENT).values(problem_id=p.id, at=now(), author=account.username, body=body)
                           ).inserted_primary_key[0]
        workflow.record(conn, account, p, Action.COMMENT, None, None, comment_id=int(cid))
        return int(cid)
