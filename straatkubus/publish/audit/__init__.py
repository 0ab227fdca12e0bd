"""Disclosure audit: can anything Superset's database user reads be traced to a few people?

The audit connects as the warehouse owner but looks at exactly what the reader role
(`Settings.reader_user`) may SELECT, in every schema. Each such relation is classified:

- a *cell table* (area and indicator keys with numerator, denominator, value and
  is_suppressed, like marts.fct_area_indicators) gets every check below;
- a *value table* (the same keys with a value but no numerator or denominator, like
  marts.fct_area_signals) may only repeat values marts.fct_area_indicators publishes;
- marts.dim_indicators and marts.dim_areas are the known descriptive dimensions;
- anything else is a finding: the audit cannot vouch for it, so it fails.

The checks work on what is published, never on the unsuppressed numbers: primary rules
per cell, one value per quantity, and differencing (a parent minus its published
children; a year minus its published months; the same for the complement of a share),
all set-based in SQL. `docs/disclosure-audit.md` explains the rules and the report.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field

import psycopg2
from psycopg2 import sql

from straatkubus.settings import Settings

KEY_COLUMNS = ("area_level", "area_code", "municipality_code", "period_code", "indicator_code")
# Columns of a cell or value table that are keys or checked by name, not "other measures".
KNOWN_COLUMNS = {*KEY_COLUMNS, "period_year", "period_month", "numerator", "denominator",
                 "value", "is_suppressed"}
CATALOGUE = ("marts", "dim_indicators")
AREAS = ("marts", "dim_areas")
PUBLISHED_CELLS = ("marts", "fct_area_indicators")
# The numeric and boolean columns the known dimensions may have: descriptive attributes,
# never counts. Another number in a dimension is a finding until it is added here.
DIMENSION_ATTRIBUTES = {
    CATALOGUE: {"min_cell_size", "min_denominator", "rounding_base", "is_higher_worse",
                "is_share", "is_event"},
    AREAS: {"centroid_longitude", "centroid_latitude"},
}
# Numbers in a value table that describe the row's place, not its data (the border zone's
# distance to the viewing municipality): allowed on suppressed rows. Add here only numbers
# that cannot depend on any count.
DESCRIPTIVE_COLUMNS = {"distance_m"}
# A recomputed value may differ by the rounding of the published value: one decimal, or
# whole euros for an average amount.
VALUE_TOLERANCE = {"euro": 0.5}
DEFAULT_VALUE_TOLERANCE = 0.05

RULES: dict[str, str] = {
    "unaudited_relation": "a relation the reader can read that the audit cannot check",
    "unaudited_function": "a SECURITY DEFINER function the reader may execute (it reads with "
                          "its owner's rights)",
    "unaudited_column": "a number in a dimension that is not a known descriptive attribute",
    "missing_reference": "a relation the audit needs to check the others is missing",
    "unknown_key": "a cell whose area, period or indicator marts.dim_areas or "
                   "marts.dim_indicators does not know",
    "numbers_in_suppressed_cell": "a suppressed cell that still carries a number",
    "incomplete_published_cell": "a published cell without its numerator or denominator "
                                 "(its value would hide what it is computed from)",
    "small_count": "a published count of people below the indicator's minimum cell size",
    "small_group": "a published figure about a group below the indicator's minimum",
    "small_complement": "a share whose published numbers leave a small group without the "
                        "characteristic (denominator - numerator)",
    "rounding": "a rounded count that is not a multiple of its base or is below the minimum",
    "value_mismatch": "a published value that does not follow from its numerator and "
                      "denominator",
    "inconsistent_quantity": "one quantity of one area and period published with two values",
    "area_differencing": "a parent minus its published children gives a small number",
    "complement_differencing": "the same for the complement of a share (denominator - "
                               "numerator)",
    "period_differencing": "a year minus its published months gives a small number",
    "reason_reveals_side": "suppressed cells of a share whose group is published give "
                           "different reasons (which tells which side is small)",
    "value_not_published": "a value table shows a value marts.fct_area_indicators withholds",
    "value_differs": "a value table shows another value than marts.fct_area_indicators",
    "measure_in_suppressed_row": "another number on a suppressed row (it may be derived from "
                                 "the withheld one)",
    "attribute_mismatch": "a column named after a dimension attribute that differs from it",
}


class AuditError(RuntimeError):
    """The audit could not run (no database, no reader role, a dimension it cannot read)."""


@dataclass(frozen=True)
class Finding:
    """One example of a broken rule."""

    rule: str
    relation: str
    area: str  # "pc6 6411AC (GM0917)", or "" when the finding is not about one area
    period: str
    detail: str

    def __str__(self) -> str:
        where = " ".join(part for part in (self.area, self.period) if part)
        return f"{self.relation}: {where}: {self.detail}" if where else f"{self.relation}: {self.detail}"


@dataclass
class RelationSummary:
    name: str
    kind: str  # cell table, value table, dimension, extension, unaudited
    rows: int | None = None
    checked: int | None = None  # published cells, or values, checked
    note: str = ""


@dataclass
class AuditReport:
    database: str
    reader: str
    relations: list[RelationSummary] = field(default_factory=list)
    totals: dict[str, int] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)  # examples, up to max_examples a rule
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        return not any(self.totals.values())

    @property
    def finding_count(self) -> int:
        return sum(self.totals.values())

    def examples(self, rule: str) -> list[Finding]:
        return [finding for finding in self.findings if finding.rule == rule]

    def add(self, rule: str, total: int, examples: Iterable[Finding]) -> None:
        if total:
            self.totals[rule] = self.totals.get(rule, 0) + total
            self.findings.extend(examples)

    def render(self) -> str:
        lines = [f"Disclosure audit of database {self.database} as seen by {self.reader} "
                 f"({self.seconds:.1f} s)", "", f"Relations {self.reader} can read:"]
        width = max((len(r.name) for r in self.relations), default=10)
        for relation in self.relations:
            counts = ""
            if relation.rows is None:
                counts = "not checked" if relation.kind in ("cell table", "value table") else ""
            elif relation.kind == "cell table":
                counts = f"{relation.rows:,} cells, {relation.checked:,} published"
            elif relation.kind == "value table":
                counts = f"{relation.rows:,} rows, {relation.checked:,} values"
            else:
                counts = f"{relation.rows:,} rows"
            text = "  ".join(part for part in (counts, relation.note) if part)
            lines.append(f"  {relation.name:<{width}}  {relation.kind:<11}  {text}".rstrip())
        if not self.relations:
            lines.append("  (none)")
        lines.extend(f"Note: {note}" for note in self.notes)
        lines.append("")
        if self.passed:
            lines.append(f"PASSED: no finding ({len(RULES)} rules checked)")
            return "\n".join(lines)
        lines.append(f"FAILED: {self.finding_count:,} finding(s) in {len(self.totals)} rule(s)")
        for rule, description in RULES.items():
            if not self.totals.get(rule):
                continue
            lines.append(f"\n{rule} ({self.totals[rule]:,}): {description}")
            lines.extend(f"  - {finding}" for finding in self.examples(rule))
            shown = len(self.examples(rule))
            if self.totals[rule] > shown:
                lines.append(f"  ... and {self.totals[rule] - shown:,} more")
        return "\n".join(lines)


# --- which relations the reader can read -------------------------------------------------
READABLE_RELATIONS = """
    select
        c.oid,
        n.nspname,
        c.relname,
        (
            select e.extname
            from pg_depend as d
            inner join pg_extension as e on d.refobjid = e.oid
            where
                d.classid = 'pg_class'::regclass
                and d.objid = c.oid
                and d.refclassid = 'pg_extension'::regclass
                and d.deptype = 'e'
        ) as extension_name
    from pg_class as c
    inner join pg_namespace as n on c.relnamespace = n.oid
    where
        c.relkind in ('r', 'v', 'm', 'p', 'f')
        and n.nspname not in ('pg_catalog', 'information_schema')
        and n.nspname not like 'pg\\_toast%%'
        and n.nspname not like 'pg\\_temp%%'
        and has_schema_privilege(%(reader)s, n.oid, 'USAGE')
        and has_any_column_privilege(%(reader)s, c.oid, 'SELECT')
    order by n.nspname, c.relname
"""

READABLE_COLUMNS = """
    select a.attrelid, a.attname, t.typcategory
    from pg_attribute as a
    inner join pg_type as t on a.atttypid = t.oid
    where
        a.attrelid = any(%(oids)s)
        and a.attnum > 0
        and not a.attisdropped
        and has_column_privilege(%(reader)s, a.attrelid, a.attnum, 'SELECT')
"""

DEFINER_FUNCTIONS = """
    select p.oid::regprocedure::text
    from pg_proc as p
    inner join pg_namespace as n on p.pronamespace = n.oid
    where
        p.prosecdef
        and n.nspname not in ('pg_catalog', 'information_schema')
        and has_schema_privilege(%(reader)s, n.oid, 'USAGE')
        and has_function_privilege(%(reader)s, p.oid, 'EXECUTE')
        and not exists (
            select 1 from pg_depend as d
            where
                d.classid = 'pg_proc'::regclass
                and d.objid = p.oid
                and d.deptype = 'e'
        )
    order by 1
"""


@dataclass
class _Relation:
    schema: str
    name: str
    extension: str | None
    columns: dict[str, str]  # readable column -> pg type category (N numeric, B boolean, ...)

    @property
    def key(self) -> tuple[str, str]:
        return (self.schema, self.name)

    @property
    def label(self) -> str:
        return f"{self.schema}.{self.name}"

    @property
    def ident(self) -> sql.Composable:
        return sql.Identifier(self.schema, self.name)

    def measures(self, exclude: set[str]) -> list[str]:
        """Readable numeric and boolean columns not in `exclude`."""
        return sorted(name for name, category in self.columns.items()
                      if category in ("N", "B") and name not in exclude)


def _readable_relations(cur, reader: str) -> list[_Relation]:
    cur.execute(READABLE_RELATIONS, {"reader": reader})
    found = cur.fetchall()
    columns: dict[int, dict[str, str]] = {oid: {} for oid, *_ in found}
    if found:
        cur.execute(READABLE_COLUMNS, {"oids": list(columns), "reader": reader})
        for oid, name, category in cur.fetchall():
            columns[oid][name] = category
    return [_Relation(schema, name, extension, columns[oid])
            for oid, schema, name, extension in found]


def _classify(relation: _Relation) -> str:
    if relation.extension:
        return "extension"
    if relation.key in DIMENSION_ATTRIBUTES:
        return "dimension"
    columns = set(relation.columns)
    if not set(KEY_COLUMNS) <= columns:
        return "unaudited"
    if "numerator" in columns:
        return "cell table"
    if "value" in columns and "denominator" not in columns:
        return "value table"
    return "unaudited"


# --- the audit ---------------------------------------------------------------------------
def audit(settings: Settings, *, max_examples: int = 10, schema: str = "marts") -> AuditReport:
    """Audit everything `settings.reader_user` can read in `settings.pg_database`.

    With another `schema` (a build's shadow marts), that schema is audited as the readers
    would see it once published: inside the audit's own transaction, which is rolled back,
    it takes the place of `marts` and the reader's USAGE.
    """
    started = time.monotonic()
    report = AuditReport(database=settings.pg_database, reader=settings.reader_user)
    try:
        conn = psycopg2.connect(settings.dsn())
    except psycopg2.Error as error:
        raise AuditError(f"cannot connect to {settings.pg_database}: {error}") from error
    try:
        with conn.cursor() as cur:
            cur.execute("select 1 from pg_roles where rolname = %s", (settings.reader_user,))
            if cur.fetchone() is None:
                raise AuditError(f"role {settings.reader_user} does not exist")
            # temporary tables and views only, all dropped by the rollback below
            cur.execute("set local work_mem = '256MB'")
            # the joins below are between a few tables of millions of integer-keyed rows:
            # hashing them beats sorting them
            cur.execute("set local enable_mergejoin = off")
            cur.execute("set local enable_nestloop = off")
            if schema != "marts":
                cur.execute("select 1 from pg_namespace where nspname = 'marts'")
                if cur.fetchone():
                    cur.execute(sql.SQL("alter schema marts rename to {live}; "
                                        "revoke usage on schema {live} from {reader}").format(
                        live=sql.Identifier(f"{schema}_live"), reader=sql.Identifier(settings.reader_user)))
                cur.execute(sql.SQL("alter schema {} rename to marts; grant usage on schema marts to {}")
                            .format(sql.Identifier(schema), sql.Identifier(settings.reader_user)))
            _Audit(cur, settings, report, max_examples).run()
        _other_databases(conn, settings, report)
    except psycopg2.Error as error:
        raise AuditError(f"the audit failed on {settings.pg_database}: {error}") from error
    finally:
        conn.rollback()
        conn.close()
    report.seconds = time.monotonic() - started
    return report


def _other_databases(conn, settings: Settings, report: AuditReport) -> None:
    """Relations the reader could read in another database it may connect to."""
    with conn.cursor() as cur:
        cur.execute("""
            select datname, datistemplate from pg_database
            where
                datallowconn and datname <> current_database()
                and has_database_privilege(%s, oid, 'CONNECT')
            order by datname
        """, (settings.reader_user,))
        databases = cur.fetchall()
    inspected, templates = [], []
    for database, is_template in databases:
        if is_template:
            # connecting to a template would block CREATE DATABASE elsewhere
            templates.append(database)
            continue
        try:
            other = psycopg2.connect(settings.dsn(database=database))
        except psycopg2.Error as error:
            report.notes.append(f"could not inspect database {database}: {error}".strip())
            continue
        try:
            with other.cursor() as cur:
                relations = _readable_relations(cur, settings.reader_user)
        finally:
            other.close()
        inspected.append(database)
        unaudited = [r for r in relations if not r.extension]
        report.add("unaudited_relation", len(unaudited), [
            Finding("unaudited_relation", f"{database}:{r.label}", "", "",
                    f"readable by {settings.reader_user} in another database")
            for r in unaudited])
    if inspected:
        report.notes.append(f"{settings.reader_user} may also connect to {', '.join(inspected)} "
                            "(inspected for readable relations)")
    if templates:
        report.notes.append(f"{settings.reader_user} may connect to template database(s) "
                            f"{', '.join(templates)} (not inspected; revoke CONNECT from PUBLIC "
                            "to close this)")


def _lit(text: str) -> sql.Composable:
    return sql.Literal(text)


# Keys are turned into integers once (area_id, period_key = year * 100 + month,
# indicator_id, quantity_id) so that every join and aggregate below works on integers.
HELPERS = """
    create temp table audit_periods on commit drop as
    select years.year::text as period_code, years.year * 100 as period_key
    from generate_series(1900, 2199) as years (year)
    union all
    select
        years.year || '-' || lpad(months.month::text, 2, '0'),
        years.year * 100 + months.month
    from generate_series(1900, 2199) as years (year)
    cross join generate_series(1, 12) as months (month);
    analyze audit_periods;
    create function pg_temp.audit_period(period_key integer) returns text
    language sql immutable as $$
        select case
            when period_key % 100 = 0 then (period_key / 100)::text
            else (period_key / 100) || '-' || lpad((period_key % 100)::text, 2, '0')
        end
    $$;
    -- relation_id = child level * 10 + parent level, levels numbered pc6 = 1 ... regio = 5
    create function pg_temp.audit_relation(relation_id integer) returns text
    language sql immutable as $$
        select levels[relation_id / 10] || '→' || levels[relation_id % 10]
        from (select array['pc6', 'pc4', 'wijk', 'gemeente', 'regio'] as levels) as l
    $$;
"""

REFERENCE = """
    create temp table audit_indicators on commit drop as
    select distinct on (indicator_code)
        (row_number() over (order by indicator_code))::integer as indicator_id,
        indicator_code::text,
        unit::text,
        coalesce(min_cell_size, 0)::numeric as min_cell_size,
        coalesce(min_denominator, min_cell_size, 0)::numeric as min_denominator,
        coalesce(rounding_base, 0)::numeric as rounding_base,
        numerator_quantity_code::text,
        denominator_quantity_code::text,
        coalesce(group_quantity_code, denominator_quantity_code, numerator_quantity_code)::text
            as group_quantity_code,
        coalesce(is_share, false) as is_share,
        coalesce(is_event, false) as is_event,
        unit is not distinct from 'euro' as is_amount
    from marts.dim_indicators
    order by indicator_code;

    -- Per quantity: a count (of people or things) or an amount of money; an event count
    -- (months add up to the year); published rounded; and its threshold: the smallest
    -- number of it that may be published or derived.
    create temp table audit_quantities on commit drop as
    with uses as (
        select
            numerator_quantity_code as quantity_code,
            not is_amount as is_count,
            is_event,
            rounding_base,
            case when not is_amount then min_cell_size end as count_threshold,
            null::numeric as group_threshold,
            min_cell_size
        from audit_indicators
        union all
        select denominator_quantity_code, true, false, 0, null, null, min_cell_size
        from audit_indicators
        where denominator_quantity_code is not null
        union all
        select group_quantity_code, true, false, null, null, min_denominator, min_cell_size
        from audit_indicators
    )
    select
        (row_number() over (order by quantity_code))::integer as quantity_id,
        quantity_code,
        bool_or(is_count) as is_count,
        bool_or(is_event) as is_event,
        coalesce(min(rounding_base), 0) > 0 as is_rounded,
        max(count_threshold) as count_threshold,
        coalesce(
            greatest(max(count_threshold), max(group_threshold)), max(min_cell_size)
        ) as threshold
    from uses
    where quantity_code is not null
    group by quantity_code;

    alter table audit_indicators
        add column numerator_quantity_id integer,
        add column denominator_quantity_id integer,
        add column group_quantity_id integer,
        add column numerator_is_event boolean,
        add column group_is_event boolean,
        add column count_threshold numeric;
    update audit_indicators as i
    set
        numerator_quantity_id = n.quantity_id,
        group_quantity_id = g.quantity_id,
        numerator_is_event = n.is_event,
        group_is_event = g.is_event,
        count_threshold = greatest(i.min_cell_size, n.count_threshold),
        denominator_quantity_id = (
            select d.quantity_id from audit_quantities as d
            where d.quantity_code = i.denominator_quantity_code
        )
    from audit_quantities as n, audit_quantities as g
    where
        i.numerator_quantity_code = n.quantity_code
        and i.group_quantity_code = g.quantity_code;

    -- Shares: the group without the characteristic (denominator - numerator) is a count of
    -- people too. Rounded counts are left out: their rounding protects them.
    create temp table audit_share_pairs on commit drop as
    select
        (1000000 + row_number() over (order by i.measure_code))::integer as measure_id,
        i.*
    from (
        select
            i.denominator_quantity_code || ' - ' || i.numerator_quantity_code
                as measure_code,
            i.numerator_quantity_id,
            i.denominator_quantity_id,
            max(i.min_cell_size) as threshold,
            string_agg(i.indicator_code, ', ' order by i.indicator_code) as indicators
        from audit_indicators as i
        inner join audit_quantities as n on i.numerator_quantity_id = n.quantity_id
        inner join audit_quantities as d on i.denominator_quantity_id = d.quantity_id
        where i.is_share and not n.is_rounded and not d.is_rounded
        group by 1, 2, 3
    ) as i;

    -- What differencing works on: unrounded counts and the complements of shares.
    create temp table audit_measures on commit drop as
    select
        quantity_id as measure_id,
        quantity_code as measure_code,
        false as is_complement,
        is_event,
        threshold
    from audit_quantities
    where is_count and not is_rounded
    union all
    select measure_id, measure_code, true, false, threshold
    from audit_share_pairs;

    create temp table audit_areas on commit drop as
    select distinct on (area_level, area_code, municipality_key)
        (row_number() over (order by area_level, area_code, municipality_key))::integer
            as area_id,
        *,
        array_position(array['pc6', 'pc4', 'wijk', 'gemeente', 'regio'], area_level)
            as level_no,
        area_level || ' ' || area_code || case
            when municipality_key in ('', area_code) then ''
            else ' (' || municipality_key || ')'
        end as label
    from (
        select
            area_level::text as area_level,
            area_code::text as area_code,
            coalesce(municipality_code::text, '') as municipality_key,
            pc4_code::text as pc4_code,
            wijk_code::text as wijk_code
        from marts.dim_areas
    ) as areas
    order by area_level, area_code, municipality_key;
    analyze audit_indicators, audit_quantities, audit_share_pairs, audit_measures, audit_areas;
"""

# child -> parent, per relation, as marts.dim_areas defines them. PC6 -> gemeente and
# PC6 -> regio go through the PC4 a PC6 part lies in (see DIFFERENCING).
EDGES = """
    create temp table audit_edges on commit drop as
    select c.level_no * 10 + p.level_no as relation_id, c.area_id as child_id, p.area_id as parent_id
    from audit_areas as c
    inner join audit_areas as p
        on c.pc4_code = p.area_code and c.municipality_key = p.municipality_key
    where c.area_level = 'pc6' and p.area_level = 'pc4'
    union all
    select c.level_no * 10 + p.level_no, c.area_id, p.area_id
    from audit_areas as c
    inner join audit_areas as p
        on c.wijk_code = p.area_code and c.municipality_key = p.municipality_key
    where c.area_level = 'pc6' and p.area_level = 'wijk'
    union all
    select c.level_no * 10 + p.level_no, c.area_id, p.area_id
    from audit_areas as c
    inner join audit_areas as p on c.municipality_key = p.municipality_key
    where c.area_level in ('pc4', 'wijk') and p.area_level = 'gemeente'
    union all
    select c.level_no * 10 + p.level_no, c.area_id, p.area_id
    from audit_areas as c
    cross join audit_areas as p
    where
        c.area_level in ('pc4', 'wijk', 'gemeente') and p.area_level = 'regio'
        and %(one_region)s;
    analyze audit_edges;
    alter table audit_areas add column pc4_id integer, add column wijk_id integer;
    update audit_areas as a
    set pc4_id = e.parent_id
    from audit_edges as e
    where a.area_id = e.child_id and e.relation_id = 12;
    update audit_areas as a
    set wijk_id = e.parent_id
    from audit_edges as e
    where a.area_id = e.child_id and e.relation_id = 13;
"""

CELL_ROWS = """
    create temp table audit_cell_rows on commit drop as
    select
        c.relation_id,
        a.area_id,
        p.period_key,
        i.indicator_id,
        c.numerator,
        c.denominator,
        c.value,
        c.is_published,
        c.suppression_reason,
        case
            when a.area_id is null or i.indicator_id is null or p.period_key is null
                then concat_ws(' ', c.area_level, c.area_code,
                    nullif(c.municipality_key, ''), c.period_code, c.indicator_code)
        end as unknown_key
    from audit_cells as c
    left join audit_areas as a
        on
            c.area_level = a.area_level
            and c.area_code = a.area_code
            and c.municipality_key = a.municipality_key
    left join audit_indicators as i on c.indicator_code = i.indicator_code
    left join audit_periods as p on c.period_code = p.period_code;
    analyze audit_cell_rows;
"""

CELL_CHECKS = """
    with cells as (
        select
            c.*,
            i.indicator_code,
            i.unit,
            i.min_cell_size,
            i.min_denominator,
            i.rounding_base,
            i.denominator_quantity_code,
            i.is_amount,
            i.count_threshold,
            case
                when i.group_quantity_code = i.denominator_quantity_code then c.denominator
                else c.numerator
            end as group_size,
            case i.unit
                when '%' then 100 * c.numerator / nullif(c.denominator, 0)
                when 'per 1000' then 1000 * c.numerator / nullif(c.denominator, 0)
                when 'euro' then c.numerator / nullif(c.denominator, 0)
                when 'aantal' then c.numerator
            end as expected_value,
            {tolerance} as tolerance
        from audit_cell_rows as c
        left join audit_indicators as i on c.indicator_id = i.indicator_id
    ),
    checked as (
        select
            cells.*,
            unknown_key is not null as is_unknown,
            not is_published and num_nonnulls(numerator, denominator, value) > 0
                as has_numbers,
            is_published and indicator_code is not null and (
                numerator is null
                or (denominator_quantity_code is not null and denominator is null)
            ) as is_incomplete,
            is_published and group_size < min_denominator as is_small_group,
            is_published and not is_amount and rounding_base = 0
                and numerator >= 1 and numerator < count_threshold as is_small_count,
            is_published and rounding_base > 0 and (
                mod(numerator, rounding_base) <> 0 or numerator < min_cell_size
            ) as is_badly_rounded,
            is_published and indicator_code is not null and value is not null and (
                expected_value is null or abs(value - expected_value) > tolerance
            ) as is_value_mismatch
        from cells
    ),
    flagged as (
        select
            checked.*,
            unnest(array_remove(array[
                case when is_unknown then 'unknown_key' end,
                case when has_numbers then 'numbers_in_suppressed_cell' end,
                case when is_incomplete then 'incomplete_published_cell' end,
                case when is_small_group then 'small_group' end,
                case when is_small_count then 'small_count' end,
                case when is_badly_rounded then 'rounding' end,
                case when is_value_mismatch then 'value_mismatch' end
            ], null)) as rule
        from checked
        where
            is_unknown or has_numbers or is_incomplete or is_small_group
            or is_small_count or is_badly_rounded or is_value_mismatch
    )
    select
        f.rule,
        r.relation_name as relation,
        coalesce(a.label, f.unknown_key) as area,
        pg_temp.audit_period(f.period_key) as period,
        coalesce(f.indicator_code, '?') || ': ' || case f.rule
            when 'unknown_key' then
                'area, period or indicator unknown to marts.dim_areas or dim_indicators'
            when 'numbers_in_suppressed_cell' then concat_ws(', ',
                'numerator ' || f.numerator, 'denominator ' || f.denominator,
                'value ' || f.value) || ' shown although suppressed'
            when 'incomplete_published_cell' then concat_ws(', ',
                'numerator ' || coalesce(f.numerator::text, 'null'),
                'denominator ' || coalesce(f.denominator::text, 'null'),
                'value ' || coalesce(f.value::text, 'null'))
            when 'small_group' then 'group of ' || f.group_size || ' < ' || f.min_denominator
            when 'small_count' then 'numerator ' || f.numerator || ' < ' || f.count_threshold
            when 'rounding' then 'numerator ' || f.numerator || ' (base '
                || f.rounding_base || ', minimum ' || f.min_cell_size || ')'
            when 'value_mismatch' then 'value ' || f.value || ' but ' || coalesce(
                f.unit || ' of ' || f.numerator || '/' || coalesce(f.denominator::text, '-')
                    || ' is ' || round(f.expected_value, 2),
                'unit ' || coalesce(f.unit, '?') || ' cannot be recomputed')
        end as detail,
        coalesce(a.label, f.unknown_key) || f.period_key || f.indicator_code as sort_key
    from flagged as f
    inner join audit_relations as r on f.relation_id = r.relation_id
    left join audit_areas as a on f.area_id = a.area_id
"""

# What a reader knows: every published quantity per area and period. A non-event
# quantity in a monthly cell (its denominator) is the year's. Amounts as float8: exact for
# counts, and far cheaper to aggregate than numeric.
KNOWN = """
    create temp table audit_known on commit drop as
    select
        u.area_id,
        u.period_key,
        u.quantity_id,
        min(u.amount) as min_amount,
        max(u.amount) as max_amount,
        min(u.indicator_id) as first_indicator_id,
        max(u.indicator_id) as last_indicator_id
    from (
        select
            c.area_id,
            case
                when i.numerator_is_event then c.period_key
                else c.period_key / 100 * 100
            end as period_key,
            i.numerator_quantity_id as quantity_id,
            c.numerator::float8 as amount,
            c.indicator_id
        from audit_cell_rows as c
        inner join audit_indicators as i on c.indicator_id = i.indicator_id
        where c.numerator is not null and c.area_id is not null and c.period_key is not null
        union all
        select
            c.area_id,
            c.period_key / 100 * 100,
            i.denominator_quantity_id,
            c.denominator::float8,
            c.indicator_id
        from audit_cell_rows as c
        inner join audit_indicators as i on c.indicator_id = i.indicator_id
        where
            c.denominator is not null and i.denominator_quantity_id is not null
            and c.area_id is not null and c.period_key is not null
    ) as u
    group by 1, 2, 3;
    analyze audit_known;

    create temp table audit_amounts on commit drop as
    select a.level_no, a.pc4_id, a.wijk_id, x.*
    from (
        select k.area_id, k.period_key, m.measure_id, k.max_amount as amount
        from audit_known as k
        inner join audit_measures as m on k.quantity_id = m.measure_id
        union all
        select n.area_id, n.period_key, p.measure_id, d.max_amount - n.max_amount
        from audit_share_pairs as p
        inner join audit_known as n on p.numerator_quantity_id = n.quantity_id
        inner join audit_known as d
            on
                p.denominator_quantity_id = d.quantity_id
                and n.area_id = d.area_id
                and n.period_key = d.period_key
    ) as x
    inner join audit_areas as a on x.area_id = a.area_id;
    analyze audit_amounts;
"""

KNOWN_CHECKS = """
    select
        'inconsistent_quantity' as rule,
        'published cells' as relation,
        a.label as area,
        pg_temp.audit_period(k.period_key) as period,
        q.quantity_code || ' is published as ' || k.min_amount || ' and as '
            || k.max_amount || ' (' || concat_ws(', ', fi.indicator_code,
                nullif(li.indicator_code, fi.indicator_code)) || ')' as detail,
        a.label || k.period_key || q.quantity_code as sort_key
    from audit_known as k
    inner join audit_areas as a on k.area_id = a.area_id
    inner join audit_quantities as q on k.quantity_id = q.quantity_id
    inner join audit_indicators as fi on k.first_indicator_id = fi.indicator_id
    inner join audit_indicators as li on k.last_indicator_id = li.indicator_id
    where k.min_amount <> k.max_amount
    union all
    select
        'small_complement',
        'published cells',
        a.label,
        pg_temp.audit_period(x.period_key),
        p.measure_code || ' = ' || x.amount || ' < ' || p.threshold
            || ' (' || p.indicators || ')',
        a.label || x.period_key || p.measure_code
    from audit_amounts as x
    inner join audit_share_pairs as p on x.measure_id = p.measure_id
    inner join audit_areas as a on x.area_id = a.area_id
    where x.amount >= 1 and x.amount < p.threshold
"""

# Parent minus its published children, per relation and period; a year minus its
# published months. Children (months) not published contribute nothing.
DIFFERENCING = """
    with direct_sums as (
        -- PC6 parts in their PC4 part and, when wholly inside one, their wijk: one pass
        select
            case when grouping(x.pc4_id) = 0 then 12 else 13 end as relation_id,
            coalesce(x.pc4_id, x.wijk_id) as parent_id,
            x.period_key,
            x.measure_id,
            sum(x.amount) as children_amount,
            count(*) as children_published
        from audit_amounts as x
        where x.level_no = 1
        group by grouping sets (
            (x.pc4_id, x.period_key, x.measure_id), (x.wijk_id, x.period_key, x.measure_id)
        )
        having coalesce(x.pc4_id, x.wijk_id) is not null
        union all
        select
            e.relation_id,
            e.parent_id,
            x.period_key,
            x.measure_id,
            sum(x.amount),
            count(*)
        from audit_edges as e
        inner join audit_amounts as x on e.child_id = x.area_id
        where x.level_no > 1
        group by 1, 2, 3, 4
    ),
    child_sums as (
        select * from direct_sums
        union all
        -- PC6 parts nest in PC4 parts of the same municipality: their sums per PC4 add up
        -- to the gemeente's and Parkstad's (one pass over the PC6 figures, not three)
        select
            10 + e.relation_id % 10,
            e.parent_id,
            s.period_key,
            s.measure_id,
            sum(s.children_amount),
            sum(s.children_published)
        from direct_sums as s
        inner join audit_edges as e on s.parent_id = e.child_id
        where s.relation_id = 12 and e.relation_id in (24, 25)
        group by 1, 2, 3, 4
    ),
    parents as (
        select * from audit_amounts where level_no > 1
    ),
    month_sums as (
        select
            x.area_id,
            x.period_key / 100 * 100 as year_key,
            x.measure_id,
            sum(x.amount) as months_amount,
            count(*) as months_published
        from audit_amounts as x
        inner join audit_measures as m on x.measure_id = m.measure_id
        where m.is_event and x.period_key % 100 <> 0
        group by 1, 2, 3
    ),
    residuals as (
        select
            'area_differencing' as rule,
            pg_temp.audit_relation(s.relation_id) as relation,
            p.area_id,
            p.period_key,
            p.measure_id,
            p.amount,
            p.amount - s.children_amount as residual,
            s.children_published || ' published children' as published
        from child_sums as s
        inner join parents as p
            on
                s.parent_id = p.area_id
                and s.period_key = p.period_key
                and s.measure_id = p.measure_id
        where p.amount - s.children_amount >= 1
        union all
        select
            'period_differencing',
            'year→month',
            y.area_id,
            y.period_key,
            y.measure_id,
            y.amount,
            y.amount - s.months_amount,
            s.months_published || ' published months'
        from month_sums as s
        inner join audit_amounts as y
            on
                s.area_id = y.area_id
                and s.year_key = y.period_key
                and s.measure_id = y.measure_id
        where y.amount - s.months_amount >= 1
    )
    select
        case
            when r.rule = 'area_differencing' and m.is_complement
                then 'complement_differencing'
            else r.rule
        end as rule,
        r.relation,
        a.label as area,
        pg_temp.audit_period(r.period_key) as period,
        m.measure_code || ' of the suppressed '
            || case when r.rule = 'period_differencing' then 'months' else 'children' end
            || ' derivable as ' || r.residual || ' < ' || m.threshold
            || ' (' || r.amount || ' minus ' || r.published || ')' as detail,
        r.relation || a.label || r.period_key || m.measure_code as sort_key
    from residuals as r
    inner join audit_measures as m on r.measure_id = m.measure_id
    inner join audit_areas as a on r.area_id = a.area_id
    where r.residual < m.threshold
"""


# A share's suppressed cells whose group is published: one reason for all of them, or
# the reason tells whether few have or few lack the characteristic (or that none is small).
REASONS = """
    with suppressed as (
        select distinct on (c.relation_id, c.indicator_id, c.suppression_reason)
            c.relation_id,
            c.indicator_id,
            c.suppression_reason,
            c.area_id,
            c.period_key
        from audit_cell_rows as c
        inner join audit_indicators as i on c.indicator_id = i.indicator_id
        inner join audit_known as g
            on
                c.area_id = g.area_id
                and i.group_quantity_id = g.quantity_id
                and g.period_key = case
                    when i.group_is_event then c.period_key
                    else c.period_key / 100 * 100
                end
        where
            not c.is_published
            and i.is_share
            and c.suppression_reason is not null
            and g.max_amount >= i.min_denominator
        order by
            c.relation_id, c.indicator_id, c.suppression_reason, c.area_id, c.period_key
    )
    select
        'reason_reveals_side' as rule,
        r.relation_name as relation,
        '' as area,
        '' as period,
        i.indicator_code || ': ' || count(*) || ' reasons: ' || string_agg(
            '"' || s.suppression_reason || '" (e.g. ' || a.label || ' '
                || pg_temp.audit_period(s.period_key) || ')',
            '; ' order by s.suppression_reason
        ) as detail,
        r.relation_name || i.indicator_code as sort_key
    from suppressed as s
    inner join audit_relations as r on s.relation_id = r.relation_id
    inner join audit_indicators as i on s.indicator_id = i.indicator_id
    inner join audit_areas as a on s.area_id = a.area_id
    group by r.relation_name, i.indicator_code
    having count(*) > 1
"""


class _Audit:
    def __init__(self, cur, settings: Settings, report: AuditReport, max_examples: int):
        self.cur = cur
        self.reader = settings.reader_user
        self.report = report
        self.max_examples = max_examples
        self.cell_ids: dict[tuple[str, str], int] = {}  # cell table -> relation_id
        self.published: dict[tuple[str, str], sql.Composable] = {}  # cell table -> expression

    def execute(self, statement: sql.Composable | str, params=None) -> None:
        self.cur.execute(statement, params)

    def rows(self, statement: sql.Composable | str, params=None) -> list[tuple]:
        self.cur.execute(statement, params)
        return self.cur.fetchall()

    def exists(self, schema: str, name: str) -> bool:
        return bool(self.rows("select to_regclass(%s) is not null",
                              (sql.Identifier(schema, name).as_string(self.cur),))[0][0])

    def examples(self, body: sql.Composable | str) -> None:
        """`body` selects (rule, relation, area, period, detail, sort_key): keep the total per
        rule and its first max_examples rows."""
        statement = sql.SQL("""
            with found as ({body}),
            numbered as (
                select
                    found.*,
                    count(*) over (partition by rule) as total,
                    row_number() over (partition by rule order by sort_key) as example
                from found
            )
            select rule, total, relation, area, period, detail
            from numbered
            where example <= {limit}
            order by rule, example
        """).format(body=sql.SQL(body) if isinstance(body, str) else body,
                    limit=sql.Literal(self.max_examples))
        seen: set[str] = set()
        for rule, total, relation, area, period, detail in self.rows(statement):
            if rule not in seen:
                seen.add(rule)
                self.report.add(rule, total, [])
            self.report.findings.append(Finding(rule, relation, area or "", period or "", detail))

    def run(self) -> None:
        relations = _readable_relations(self.cur, self.reader)
        functions = [name for (name,) in self.rows(DEFINER_FUNCTIONS, {"reader": self.reader})]
        self.report.add("unaudited_function", len(functions), [
            Finding("unaudited_function", name, "", "", f"executable by {self.reader}")
            for name in functions])

        kinds = {relation.key: _classify(relation) for relation in relations}
        summaries = {r.key: RelationSummary(r.label, kinds[r.key]) for r in relations}
        self.report.relations = list(summaries.values())
        for relation in relations:
            if kinds[relation.key] == "extension":
                summaries[relation.key].note = f"extension {relation.extension}: not audited"
            if kinds[relation.key] == "unaudited":
                self.report.add("unaudited_relation", 1, [Finding(
                    "unaudited_relation", relation.label, "", "",
                    f"readable by {self.reader}; columns: {', '.join(sorted(relation.columns))}")])
            if kinds[relation.key] == "dimension":
                self.check_dimension(relation, summaries[relation.key])
        cells = [r for r in relations if kinds[r.key] == "cell table"]
        values = [r for r in relations if kinds[r.key] == "value table"]

        missing = [".".join(name) for name in (CATALOGUE, AREAS) if not self.exists(*name)]
        if values and PUBLISHED_CELLS not in {r.key for r in cells}:
            missing.append(".".join(PUBLISHED_CELLS))
        self.report.add("missing_reference", len(missing), [
            Finding("missing_reference", name, "", "",
                    f"missing or not readable by {self.reader} as a cell table: the relations "
                    "that depend on it cannot be checked") for name in missing])
        if missing:
            return

        self.prepare_reference()
        self.prepare_cells(cells)
        for relation in cells:
            summaries[relation.key].rows, summaries[relation.key].checked = self.rows(
                "select count(*), count(*) filter (where is_published) from audit_cell_rows "
                "where relation_id = %s", (self.cell_ids[relation.key],))[0]
        tolerance = sql.SQL("case i.unit {} else {} end").format(
            sql.SQL(" ").join(sql.SQL("when {} then {}").format(_lit(unit), sql.Literal(value))
                              for unit, value in VALUE_TOLERANCE.items()),
            sql.Literal(DEFAULT_VALUE_TOLERANCE))
        self.examples(sql.SQL(CELL_CHECKS).format(tolerance=tolerance))
        self.execute(KNOWN)
        self.examples(KNOWN_CHECKS)
        self.examples(DIFFERENCING)
        self.examples(REASONS)
        for relation in cells:
            state = sql.SQL("select t.*, {published} as is_published from {table} as t").format(
                published=self.published[relation.key], table=relation.ident)
            self.check_measures(relation, state, lambda column, relation=relation: sql.SQL("""
                select
                    area_level || ' ' || area_code
                        || coalesce(' (' || nullif(municipality_code, area_code) || ')', '')
                        as area,
                    period_code as period,
                    indicator_code as indicator,
                    {column}::text as shown,
                    {published} as is_published
                from {table}
            """).format(column=column, published=self.published[relation.key],
                        table=relation.ident))
            self.check_attributes(relation)
        for relation in values:
            self.check_value_table(relation, summaries[relation.key])
            self.check_attributes(relation)

    # --- dimensions ----------------------------------------------------------------------
    def check_dimension(self, relation: _Relation, summary: RelationSummary) -> None:
        summary.rows = self.rows(sql.SQL("select count(*) from {}").format(relation.ident))[0][0]
        extra = relation.measures(DIMENSION_ATTRIBUTES[relation.key])
        self.report.add("unaudited_column", len(extra), [
            Finding("unaudited_column", relation.label, "", "",
                    f"column {name} is not a known attribute of this dimension")
            for name in extra])

    def prepare_reference(self) -> None:
        self.execute(HELPERS)
        self.execute(REFERENCE)
        regions = self.rows("select count(*) from audit_areas where area_level = 'regio'")[0][0]
        if regions != 1:
            self.report.notes.append(f"{regions} regio areas in marts.dim_areas: the relations "
                                     "to regio are not checked")
        self.execute(EDGES, {"one_region": regions == 1})
        self.examples("""
            select
                'unknown_key' as rule,
                'marts.dim_areas' as relation,
                c.label as area,
                '' as period,
                'its PC4 ' || coalesce(c.pc4_code, '(none)') || ' is not in marts.dim_areas: '
                    || 'its figures are left out of the sums of its parents' as detail,
                c.label as sort_key
            from audit_areas as c
            where
                c.area_level = 'pc6'
                and not exists (
                    select from audit_edges as e
                    where e.child_id = c.area_id and e.relation_id = 12
                )
        """)

    # --- cell tables ---------------------------------------------------------------------
    def prepare_cells(self, cells: list[_Relation]) -> None:
        """`audit_cells`: every cell table in one shape; `audit_cell_rows`: the same with
        integer keys, materialised once."""
        parts = []
        for relation_id, relation in enumerate(cells, start=1):
            self.cell_ids[relation.key] = relation_id
            columns = relation.columns

            def column(name: str, cast: str, columns=columns) -> sql.Composable:
                if name in columns:
                    return sql.SQL("{}::{}").format(sql.Identifier(name), sql.SQL(cast))
                return sql.SQL("null::{}").format(sql.SQL(cast))

            if "is_suppressed" in columns:
                published = sql.SQL("is_suppressed is not true")
            else:
                shown = [sql.Identifier(name) for name in ("numerator", "denominator", "value")
                         if name in columns]
                published = sql.SQL("num_nonnulls({}) > 0").format(sql.SQL(", ").join(shown))
            self.published[relation.key] = published
            parts.append(sql.SQL("""
                select
                    {relation_id} as relation_id,
                    area_level::text,
                    area_code::text,
                    coalesce(municipality_code::text, '') as municipality_key,
                    period_code::text,
                    indicator_code::text,
                    {numerator} as numerator,
                    {denominator} as denominator,
                    {value} as value,
                    {published} as is_published,
                    {reason} as suppression_reason
                from {table}
            """).format(relation_id=sql.Literal(relation_id),
                        numerator=column("numerator", "numeric"),
                        denominator=column("denominator", "numeric"),
                        value=column("value", "numeric"), published=published,
                        reason=column("suppression_reason", "text"), table=relation.ident))
        if not parts:
            parts.append(sql.SQL("""
                select null::integer as relation_id, null::text as area_level,
                    null::text as area_code, null::text as municipality_key,
                    null::text as period_code, null::text as indicator_code,
                    null::numeric as numerator, null::numeric as denominator,
                    null::numeric as value, null::boolean as is_published,
                    null::text as suppression_reason
                where false
            """))
        self.execute(sql.SQL("create temp view audit_cells as {}").format(
            sql.SQL(" union all ").join(parts)))
        self.execute("create temp table audit_relations (relation_id integer, relation_name text)"
                     " on commit drop")
        for relation in cells:
            self.execute("insert into audit_relations values (%s, %s)",
                         (self.cell_ids[relation.key], relation.label))
        self.execute(CELL_ROWS)

    # --- other numbers on suppressed rows, and dimension attributes ----------------------
    def attribute_columns(self, relation: _Relation) -> dict[str, str]:
        """Numeric or boolean columns named after a dimension attribute -> dimension alias."""
        found = {}
        for dimension, alias in ((AREAS, "a"), (CATALOGUE, "i")):
            for name in DIMENSION_ATTRIBUTES[dimension]:
                if relation.columns.get(name) in ("N", "B"):
                    found.setdefault(name, alias)
        return found

    def check_measures(self, relation: _Relation, state: sql.Composable, labelled) -> None:
        """Other numbers (and booleans) on suppressed rows must be null, or one constant on
        all of them (no information): they may be computed from the withheld figure.
        `state` selects the relation's rows with is_published; `labelled(column)` selects
        (area, period, indicator, shown, is_published) for an example."""
        measures = relation.measures(
            KNOWN_COLUMNS | DESCRIPTIVE_COLUMNS | set(self.attribute_columns(relation)))
        if not measures:
            return
        aggregates = sql.SQL(", ").join(
            sql.SQL("count({c}), count(distinct {c})").format(c=sql.Identifier(name))
            for name in measures)
        (suppressed, *counts), = self.rows(sql.SQL(
            "select count(*), {aggregates} from ({state}) as rows where not is_published"
        ).format(aggregates=aggregates, state=state))
        for index, name in enumerate(measures):
            shown, distinct = counts[2 * index], counts[2 * index + 1]
            if shown == 0 or (shown == suppressed >= 2 and distinct == 1):
                continue
            area, period, indicator, example = self.rows(sql.SQL("""
                select area, period, indicator, shown
                from ({labelled}) as rows
                where not is_published and shown is not null
                order by 1, 2, 3
                limit 1
            """).format(labelled=labelled(sql.Identifier(name))))[0]
            self.report.add("measure_in_suppressed_row", shown, [Finding(
                "measure_in_suppressed_row", relation.label, area, period,
                f"{indicator}: {name} = {example} on a suppressed row "
                f"({shown} of {suppressed} suppressed rows carry a {name})")])

    def check_attributes(self, relation: _Relation) -> None:
        """Columns named after a dimension attribute must equal it (else they may hold
        anything under a harmless name)."""
        attributes = self.attribute_columns(relation)
        if not attributes:
            return
        differs = sql.SQL(", ").join(
            sql.SQL("case when t.{c} is distinct from {alias}.{c} then {name} end").format(
                c=sql.Identifier(name), alias=sql.Identifier(alias), name=_lit(name))
            for name, alias in sorted(attributes.items()))
        self.examples(sql.SQL("""
            with mismatches as (
                select
                    t.area_level, t.area_code, t.municipality_code, t.period_code,
                    t.indicator_code,
                    unnest(array_remove(array[{differs}], null)) as column_name
                from {table} as t
                left join marts.dim_areas as a
                    on
                        t.area_level = a.area_level
                        and t.area_code = a.area_code
                        and coalesce(t.municipality_code, '') = coalesce(a.municipality_code, '')
                left join marts.dim_indicators as i on t.indicator_code = i.indicator_code
            )
            select
                'attribute_mismatch' as rule,
                {label} as relation,
                area_level || ' ' || area_code
                    || coalesce(' (' || nullif(municipality_code, area_code) || ')', '') as area,
                period_code as period,
                indicator_code || ': ' || column_name || ' differs from its dimension'
                    as detail,
                area_level || area_code || period_code || indicator_code as sort_key
            from mismatches
        """).format(differs=differs, table=relation.ident, label=_lit(relation.label)))

    # --- value tables --------------------------------------------------------------------
    def check_value_table(self, relation: _Relation, summary: RelationSummary) -> None:
        """Values only where marts.fct_area_indicators publishes the cell, and the same."""
        measures = relation.measures(
            KNOWN_COLUMNS | DESCRIPTIVE_COLUMNS | set(self.attribute_columns(relation)))
        self.execute("drop table if exists audit_value_state")
        self.execute(sql.SQL("""
            create temp table audit_value_state on commit drop as
            select
                a.area_id,
                p.period_key,
                i.indicator_id,
                case
                    when a.area_id is null or p.period_key is null or i.indicator_id is null
                        then concat_ws(' ', t.area_level, t.area_code, t.municipality_code,
                            t.period_code, t.indicator_code)
                end as unknown_key,
                t.value::numeric as value,
                {measures}
                s.relation_id is not null as has_cell,
                coalesce(s.is_published, false) as is_published,
                s.value as published_value
            from {table} as t
            left join audit_areas as a
                on
                    t.area_level::text = a.area_level
                    and t.area_code::text = a.area_code
                    and coalesce(t.municipality_code::text, '') = a.municipality_key
            left join audit_indicators as i on t.indicator_code::text = i.indicator_code
            left join audit_periods as p on t.period_code::text = p.period_code
            left join audit_cell_rows as s
                on
                    s.relation_id = {fct}
                    and a.area_id = s.area_id
                    and p.period_key = s.period_key
                    and i.indicator_id = s.indicator_id
        """).format(measures=sql.SQL("").join(sql.SQL("t.{}, ").format(sql.Identifier(name))
                                              for name in measures),
                    table=relation.ident, fct=sql.Literal(self.cell_ids[PUBLISHED_CELLS])))
        summary.rows, summary.checked = self.rows(
            "select count(*), count(value) from audit_value_state")[0]
        self.examples(sql.SQL("""
            select
                case when v.is_published then 'value_differs' else 'value_not_published' end
                    as rule,
                {label} as relation,
                coalesce(a.label, v.unknown_key) as area,
                pg_temp.audit_period(v.period_key) as period,
                coalesce(i.indicator_code, '?') || ': value ' || v.value || case
                    when not v.has_cell then ' for a cell that does not exist'
                    when not v.is_published then ' for a suppressed cell'
                    else ' but ' || coalesce(v.published_value::text, 'no value') || ' published'
                end as detail,
                coalesce(a.label, v.unknown_key) || v.period_key || i.indicator_code as sort_key
            from audit_value_state as v
            left join audit_areas as a on v.area_id = a.area_id
            left join audit_indicators as i on v.indicator_id = i.indicator_id
            where
                v.value is not null
                and (
                    not v.is_published
                    or v.published_value is null
                    or abs(v.value - v.published_value) > 0.000001
                )
        """).format(label=_lit(relation.label)))
        self.check_measures(relation, sql.SQL("select * from audit_value_state"),
                            lambda column: sql.SQL("""
            select
                coalesce(a.label, v.unknown_key) as area,
                pg_temp.audit_period(v.period_key) as period,
                i.indicator_code as indicator,
                v.{column}::text as shown,
                v.is_published
            from audit_value_state as v
            left join audit_areas as a on v.area_id = a.area_id
            left join audit_indicators as i on v.indicator_id = i.indicator_id
        """).format(column=column))
