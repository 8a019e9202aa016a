"""The statistics, scoring, log, users, notices and records pages built in-process for every
role (no browser, no server): each builds without a Panel or Bokeh deprecation warning,
shows what access allows and hides what it refuses, and says things in words (the scoring
page names no parameter file and no formula; log details carry Chinese labels; the users
page offers every role of the Role enum with its code). The browser tests of the same pages
are tests/test_web_statistics.py, test_web_log.py and test_web_records.py."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import pandas
import panel as pn
import pytest

from workbench.office import accounts, admin
from workbench.office.roles import Role

ROOT = Path(__file__).resolve().parents[1]
MINE = ("statistics", "scoring", "log", "users", "notices", "records")
USERS = {  # user -> (roles, district)
    "ad1": (["admin"], None),
    "ch1": (["city_handler"], None),
    "cr1": (["city_reviewer"], None),
    "dh1": (["district_handler"], "110105"),
    "dr1": (["district_reviewer"], "110108"),
    "an1": (["annuity_reporter"], None),
}


@pytest.fixture
def office_users(home: Path) -> dict[str, accounts.Account]:
    from test_office_publish import evaluation

    from workbench.indicators.registry import load_all
    from workbench.office.publish import publish

    load_all()  # the catalogue, as `workbench serve` loads it before any page (its imports warn on their own)

    publish([evaluation("SY-001", [("110101199001011234", "110105", "100.50"),
                                   ("110101199001015678", "110108", "20")])], "202406")
    return {u: accounts.add_user(u, f"测试{u}", roles, district, "Password-123")[0]
            for u, (roles, district) in USERS.items()}


def page_class(name: str):
    from workbench.web import registry

    spec = next(p for p in registry.PAGES if p.module == f"workbench.apps.{name}")
    return spec, spec.load()


def texts(view: pn.viewable.Viewable) -> str:
    """Every text of a built page: HTML, Markdown, alerts, widget names and options, table cells."""
    out: list[str] = []
    for obj in view.select(lambda o: True):
        for attr in ("object", "name", "label", "placeholder"):
            v = getattr(obj, attr, None)
            if isinstance(v, str):
                out.append(v)
        options = getattr(obj, "options", None)
        if isinstance(options, dict):
            out += [str(k) for k in options]
        elif isinstance(options, list):
            out += [str(o) for o in options]
        value = getattr(obj, "value", None)
        if hasattr(value, "to_csv"):
            out.append(value.to_csv(index=False))
    return "\n".join(out)


def build(name: str, account: accounts.Account) -> pn.viewable.Viewable:
    _, cls = page_class(name)
    with warnings.catch_warnings():
        for category in (DeprecationWarning, PendingDeprecationWarning, FutureWarning):
            warnings.simplefilter("error", category)
        # Bokeh's own ColumnDataSource(DataFrame) calls reset_index(inplace=True): nothing a page can change
        warnings.filterwarnings("ignore", category=pandas.errors.Pandas4Warning, module="bokeh")
        view = cls(account).__panel__()
        view.get_root()  # the Bokeh models as a browser would receive them
    return view


@pytest.mark.parametrize("name", MINE)
def test_every_page_builds_for_every_role_it_is_offered_to(office_users, name: str) -> None:
    from workbench.web import registry

    spec, cls = page_class(name)
    assert cls.spec() == spec  # the class is the registry's page
    offered = [u for u, acc in office_users.items() if registry.allowed(acc, spec)]
    assert offered, name
    for user in offered:
        view = build(name, office_users[user])
        shown = texts(view)
        assert "Traceback" not in shown and "Error" not in shown, (name, user)


def test_pages_ask_access_not_roles() -> None:
    """No role test in a page: what it hides is what workbench.access refuses."""
    for name in MINE:
        source = (ROOT / "apps" / f"{name}.py").read_text(encoding="utf-8")
        assert not re.search(r"\.has\(\s*Role\.", source), name
        assert "getattr(exc" not in source, name  # one place turns an error into its message


def test_users_page_offers_every_role_with_its_code(office_users) -> None:
    shown = texts(build("users", office_users["ad1"]))
    for role in Role:
        assert f"{role.label}（{role.value}）" in shown
    assert "年金机构报表填报人（annuity_reporter）" in shown


def test_forms_follow_access(office_users) -> None:
    """The notice form only for those who may publish, the extra-score form only for the city."""
    assert "发布 / 修改通知" in texts(build("notices", office_users["ad1"]))
    for user in ("ch1", "dh1"):
        assert "发布 / 修改通知" not in texts(build("notices", office_users[user]))
    assert "保存额外得分" in texts(build("scoring", office_users["ch1"]))
    assert "保存额外得分" not in texts(build("scoring", office_users["dh1"]))


def test_scoring_page_explains_in_words(office_users) -> None:
    for user in ("ch1", "dh1"):
        shown = texts(build("scoring", office_users[user]))
        assert "scoring.yaml" not in shown and "parameters/" not in shown
        assert "min(" not in shown
        assert "综合评分" in shown
        assert re.search(r"[\u4e00-\u9fff]{4,}", shown)


def test_log_details_are_chinese(office_users) -> None:
    admin.set_disabled(office_users["ad1"], "dh1", True)
    view = build("log", office_users["ad1"])
    table = next(o for o in view.select(pn.widgets.Tabulator) if "详情" in o.value.columns)
    details = "\n".join(table.value["详情"])
    assert details
    assert not re.search(r"[a-z_]{3,}\s*[:：]", details), details  # no English key before a value
    assert "{" not in details and '"' not in details  # no JSON
