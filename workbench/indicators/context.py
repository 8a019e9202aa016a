"""What an indicator sees: the warehouse for period P, and the spec's common terms.

indicators-core.md, Common terms, as ibis expressions: rows of P, the snapshot of P,
history up to P; the person_id -> id mapping of each scheme (through the snapshot of P);
the district of a person (smallest person_id) and of a unit (smallest unit_id of its uscc);
death month; age at a month; month arithmetic on 'YYYYMM' periods as integer month indexes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import ibis
import ibis.expr.types as ir

from workbench.warehouse import PERIOD_COL, Warehouse

SCHEME_PERSON = {"sb": "sb_person", "jm": "jm_person", "jg": "jg_person"}


def month_index(period: ir.StringValue) -> ir.IntegerValue:
    """'YYYYMM' -> year * 12 + month - 1 (consecutive integers for consecutive months)."""
    return period.substr(0, 4).cast("int64") * 12 + period.substr(4, 2).cast("int64") - 1


def date_month(day: ir.DateValue) -> ir.IntegerValue:
    """The month index of a date."""
    return day.year().cast("int64") * 12 + day.month().cast("int64") - 1


def period_index(period: str) -> int:
    return int(period[:4]) * 12 + int(period[4:]) - 1


def age_at(birth: ir.DateValue, month: ir.IntegerValue) -> ir.IntegerValue:
    """Completed years from ``birth`` to the first day of month index ``month``."""
    year, mon = month // 12, month % 12 + 1
    before_birthday = (mon < birth.month()) | ((mon == birth.month()) & (birth.day() > 1))
    return (year - birth.year().cast("int64")) - ibis.ifelse(before_birthday, 1, 0)


@dataclass
class Context:
    """The warehouse seen from period ``period``.

    With ``shared`` set (the runner's executing context), the common terms many indicators
    join to (person ids and facts, death months, and what indicator modules pass to ``once``)
    are computed once per run into scratch tables (``Warehouse.materialize``), and ``known``
    answers small scalar queries at build time for filters that other conditions already
    imply. Without it (the context whose SQL is kept with each problem) the same terms are
    plain expressions over the warehouse's tables; both select the same rows.
    """

    wh: Warehouse
    period: str
    shared: bool = False
    _done: dict[str, ir.Table] = field(default_factory=dict, repr=False)
    _tables: dict[str, ir.Table] = field(default_factory=dict, repr=False)

    def once(self, key: str, expr: ir.Table) -> ir.Table:
        """``expr``, materialized on first use when ``shared`` is set."""
        if not self.shared:
            return expr
        if key not in self._done:
            self._done[key] = self.wh.materialize(expr, f"ctx_{key}_{self.period}")
        return self._done[key]

    @property
    def p(self) -> int:
        """P as a month index."""
        return period_index(self.period)

    def known(self, value: ir.Scalar):
        """The value of a small scalar query now, when the run shares its work (``shared``);
        None otherwise. Indicators use it only for filters that their other conditions
        already imply (e.g. a lower bound on contribution periods), which let the engine
        skip whole stretches of a long history; the SQL kept with a problem, built without
        ``shared``, leaves them out and means the same."""
        if not self.shared:
            return None
        return value.to_pyarrow().as_py()

    def table(self, name: str) -> ir.Table:
        """A warehouse table (looked up once per context: each lookup asks the engine)."""
        if name not in self._tables:
            self._tables[name] = self.wh.table(name)
        return self._tables[name]

    def rows(self, name: str) -> ir.Table:
        """Rows of a monthly table delivered for P (also: the snapshot of P)."""
        return self.table(name).filter(ibis._[PERIOD_COL] == self.period)

    snapshot = rows

    def history(self, name: str) -> ir.Table:
        """Every loaded period of a monthly table up to and including P."""
        return self.table(name).filter(ibis._[PERIOD_COL] <= self.period)

    def person_ids(self, scheme: str = "sb") -> ir.Table:
        """person_id -> id (the normalized id_no) through the scheme's snapshot of P."""
        t = self.snapshot(SCHEME_PERSON[scheme])
        return self.once(f"ids_{scheme}", t.select("person_id", id=t.id_no))

    def person_facts(self, scheme: str = "sb") -> ir.Table:
        """id -> district_code, sex, birth_date: the scheme snapshot's row with the smallest
        person_id of the id."""
        t = self.snapshot(SCHEME_PERSON[scheme])
        first = t.group_by(fid=t.id_no).agg(fpid=t.person_id.min())
        j = first.join(t, first.fpid == t.person_id)
        return self.once(f"facts_{scheme}", j.select(id=j.fid, district_code=j.district_code,
                                                       sex=j.sex, birth_date=j.birth_date))

    def person_district(self, scheme: str = "sb") -> ir.Table:
        """id -> district_code: the row with the smallest person_id of the id."""
        return self.person_facts(scheme).select("id", "district_code")

    def unit_district(self) -> ir.Table:
        """uscc -> district_code: the district of a unit subject, the one rule of every unit
        indicator whose unit is an sb_unit (docs/indicators.md, "The district of a subject"):
        the district_code of the uscc's row with the smallest unit_id in the sb_unit snapshot
        of P, whichever of its units qualified (as a person's district comes from the person
        snapshot's smallest person_id), so one uscc is in one district for every indicator.
        Units without a uscc are no unit subject and are left out."""
        u = self.snapshot("sb_unit")
        u = u.filter(u.uscc.notnull())
        first = u.group_by(ud_uscc=u.uscc).agg(ud_unit=u.unit_id.min())
        j = first.join(u, first.ud_unit == u.unit_id)
        return self.once("unit_district", j.select(uscc=j.ud_uscc, district_code=j.district_code))

    def with_ids(self, rows: ir.Table, scheme: str = "sb") -> ir.Table:
        """``rows`` with their person's ``id``; rows whose person_id is not in the
        snapshot are left out (the data-quality report counts them)."""
        ids = self.person_ids(scheme)
        return rows.join(ids, "person_id")

    def with_ids_among(self, rows: ir.Table, ids: ir.Column, scheme: str = "sb") -> ir.Table:
        """``with_ids(rows)`` kept to the ids in ``ids``: the rows are narrowed by person_id
        before the join, so a long history is not joined in full to find a few people."""
        persons = self.person_ids(scheme)
        persons = persons.filter(persons.id.isin(ids))
        return rows.filter(rows.person_id.isin(persons.person_id)).join(persons, "person_id")

    def death_months(self) -> ir.Table:
        """id -> death_month: the month of the earliest death_date of the id."""
        d = self.snapshot("ref_death")
        return self.once("death", d.group_by(id=d.id_no).agg(death_month=date_month(d.death_date.min())))
