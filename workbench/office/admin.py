"""User administration for the web (用户管理): the services of ``accounts`` behind an admin check.

Every function takes the acting ``Account`` (re-read from its session by the page) and
raises ``PermissionDenied`` unless the access policy allows it ``users.admin``
(``workbench.access``: admins); the actor's user name goes to
the action log with the change. An admin cannot disable themselves or take away their own
admin role (the office would be left without anyone to undo it). A change names its user: an empty
name is refused ("请先选择用户"), an unknown one named ("用户 x 不存在"). The command line
(``workbench users``) calls ``accounts`` directly: whoever runs it already holds the database.
"""

from __future__ import annotations

from workbench import access
from workbench.errors import OfficeError, PermissionDenied
from workbench.office import accounts
from workbench.office.accounts import Account
from workbench.office.roles import Role

TARGET = access.Target("users")


def require_admin(actor: Account) -> None:
    """``PermissionDenied`` unless ``actor`` may administer users (``users.admin``)."""
    access.require(actor, "users.admin", TARGET)


def _checked(username: str, roles: list[str] | tuple[str, ...], district: str | None) -> str | None:
    """A form's user name, roles and district by the accounts' own rules (Chinese message on the
    page, English on the command line); return the district to store."""
    accounts.check_username(username)
    return accounts.check_district(accounts.parse_roles(roles), district, drop_unused=True)


def _target(username: str | None) -> str:
    """The user name a change is about; ``OfficeError`` when none is given (a page with no user
    selected must never fall back to some default account)."""
    name = (username or "").strip() if isinstance(username, str) else ""
    if not name:
        raise OfficeError("no user given: choose the user to change", "请先选择用户")
    return name


def users(actor: Account, *, url: str | None = None) -> list[tuple[Account, bool]]:
    """Every user with whether it is disabled."""
    require_admin(actor)
    return accounts.list_users(url)


def add_user(actor: Account, username: str, display_name: str, roles: list[str] | tuple[str, ...],
             district: str | None = None, *, url: str | None = None) -> tuple[Account, str]:
    """Create a user with a generated password; return the account and the password (shown once)."""
    require_admin(actor)
    username = username.strip()
    district = _checked(username, roles, district)
    return accounts.add_user(username, display_name.strip(), roles, district, actor=actor.username, url=url)


def set_disabled(actor: Account, username: str, disabled: bool, *, url: str | None = None) -> None:
    require_admin(actor)
    username = _target(username)
    if disabled and username == actor.username:
        raise PermissionDenied(f"{actor.username} may not disable their own account", "不能停用自己的账号")
    accounts.set_disabled(username, disabled, actor=actor.username, url=url)


def reset_password(actor: Account, username: str, *, url: str | None = None) -> str:
    """Set a generated password (unlocking the user, ending its sessions); return it (shown once)."""
    require_admin(actor)
    username = _target(username)
    return accounts.reset_password(username, None, actor=actor.username, url=url)


def set_roles(actor: Account, username: str, roles: list[str] | tuple[str, ...], district: str | None = None, *,
              url: str | None = None) -> Account:
    require_admin(actor)
    username = _target(username)
    if username == actor.username and Role.ADMIN.value not in [str(r).strip() for r in roles]:
        raise PermissionDenied(f"{actor.username} may not remove their own admin role",
                               "不能取消自己的综合管理人员角色")
    district = _checked(username, roles, district)
    return accounts.set_roles(username, roles, district, actor=actor.username, url=url)
