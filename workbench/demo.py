"""``workbench demo``: the main job on embedded defaults, from nothing.

Generates a small synthetic city (parameters/demo.yaml) and runs the monthly job on each
of its months (per-source intake, indicators published to the office, statistics),
leaving the warehouse, the office database and the HTML reports under WORKBENCH_HOME.
Then it creates the demo users (every role; handler and reviewer of three districts) that
do not exist yet and prints each new one once with its generated password; on a later run
it lists the demo users again (names and roles, no passwords: those were shown once) and
says how to set a new password.
"""

from __future__ import annotations

import os
import sys

from workbench import params
from workbench.config import settings
from workbench.districts import NAMES
from workbench.periods import check_period, month_range

DEMO_DISTRICTS = ("110105", "110108", "110106")  # 朝阳区, 海淀区, 丰台区
# (user name, display name, roles, district)
DEMO_USERS: tuple[tuple[str, str, tuple[str, ...], str | None], ...] = (
    *((f"d{kind}{code}", f"{NAMES[code]}{label}", (f"district_{role}",), code)
      for code in DEMO_DISTRICTS
      for role, kind, label in (("handler", "h", "处理人"), ("reviewer", "r", "审核人"))),
    ("cityh", "市级处理人", ("city_handler",), None),
    ("cityr", "市级审核人", ("city_reviewer",), None),
    ("admin", "综合管理员", ("admin",), None),
    ("annuity", "年金机构填报人", ("annuity_reporter",), None),
)


def _where(district: str | None) -> str:
    return NAMES.get(district, "市级") if district else "市级"


def demo_users(url: str | None = None) -> list[tuple[str, str, str, str]]:
    """Create the demo users that do not exist yet; return (user, roles, district, password)
    of the ones created (an existing user keeps its password and is not returned)."""
    from workbench.office import accounts

    existing = {acc.username for acc, _ in accounts.list_users(url)}
    created = []
    for username, display, roles, district in DEMO_USERS:
        if username in existing:
            continue
        acc, password = accounts.add_user(username, display, list(roles), district, actor="demo", url=url)
        created.append((acc.username, "、".join(sorted(r.label for r in acc.roles)), _where(district), password))
    return created


def existing_demo_users(url: str | None = None) -> list[tuple[str, str, str, bool]]:
    """(user, roles, district, disabled) of the demo users in the office, in DEMO_USERS order."""
    from workbench.office import accounts

    listed = {acc.username: (acc, disabled) for acc, disabled in accounts.list_users(url)}
    out = []
    for username, *_ in DEMO_USERS:
        if username in listed:
            acc, disabled = listed[username]
            out.append((username, "、".join(sorted(r.label for r in acc.roles)), _where(acc.district_code), disabled))
    return out


def print_demo_users(created: list[tuple[str, str, str, str]], url: str | None = None) -> None:
    """The new demo users with their passwords; the ones of an earlier run without (listed)."""
    if created:
        print("Demo users (passwords are shown only now):")
        for username, roles, where, password in created:
            print(f"  {username:<10} {password}  {where} {roles}")
    new = {c[0] for c in created}
    earlier = [u for u in existing_demo_users(url) if u[0] not in new]
    if earlier:
        print("Demo users created by an earlier run (their passwords were shown then; "
              "`workbench users reset NAME` prints a new one):")
        for username, roles, where, disabled in earlier:
            print(f"  {username:<10} {where} {roles}{'  (disabled)' if disabled else ''}")


def run_demo(period: str | None = None, persons: int | None = None, serve: bool = False) -> int:
    from workbench import synth
    from workbench.monthly import run_monthly

    cfg = params.load("demo")
    period = check_period(period or cfg["period"])
    home = settings()
    landing = home.home / "landing"
    print(f"WORKBENCH_HOME = {home.home}")
    print(f"1/2 synthetic deliveries: {cfg['months']} month(s) to {period}, "
          f"{persons or cfg['persons']:,} persons -> {landing}")
    synth.generate(landing, period, persons=persons or cfg["persons"], seed=cfg["seed"],
                   months=cfg["months"], progress=True)
    print("2/2 the monthly job per period: intake, indicators, statistics (papermill notebooks)")
    result = None
    for p in month_range(period, cfg["months"]):
        result = run_monthly(str(landing), p, progress=True)
        print(f"  {p}: {len(result.reports)} reports in {home.reports / p}")
    print("\nDone. Open the reports:")
    for path in result.reports if result else []:
        print(f"  {path}")
    print(f"Warehouse: {home.warehouse_url}\nOffice database: {home.office_url}")
    print_demo_users(demo_users())
    code = result.exit_code if result else 0
    if not serve:
        print("Office: `workbench serve`, then open http://127.0.0.1:5006/")
        return code
    print("Office web apps: http://127.0.0.1:5006/ (log in as one of the demo users listed above; "
          "Ctrl-C stops)", flush=True)
    sys.stderr.flush()
    # a fresh process: nothing the monthly job opened (DuckDB, notebook kernels, their threads)
    # is forked into the server processes of `workbench serve`
    os.execv(sys.executable, [sys.executable, "-m", "workbench.cli", "serve", "--port", "5006"])
    return code  # pragma: no cover (execv does not return)
