"""A DuckDB reference: the build's key aggregations over the same raw rows, timed in DuckDB."""

from __future__ import annotations

import shutil
import time

import psycopg2

from straatkubus.bench.report import Progress
from straatkubus.settings import Settings

RAW_FOR_DUCKDB = {
    "persons": "select address_id, birth_date, left(delivery_period, 4)::integer as period_year "
               "from raw.brp_persons",
    "addresses": "select address_id, upper(replace(postcode, ' ', '')) as pc6, municipality_code, "
                 "left(delivery_period, 4)::integer as period_year from raw.bag_addresses",
    "valuations": "select address_id, woz_value, left(delivery_period, 4)::integer as period_year "
                  "from raw.woz_values",
    "events": "select upper(replace(postcode, ' ', '')) as pc6, municipality_code, incident_date "
              "as event_date from raw.police_incidents union all select upper(replace(postcode, "
              "' ', '')), municipality_code, reported_date from raw.public_space_reports",
}

# The build's key aggregations, in DuckDB: persons and dwellings per address, the roll-up
# of addresses to PC6, PC4, municipality and Parkstad per year and of events per month
# (grouping sets), the long quantity table, share and rate indicators with the primary
# suppression rules, and the signal windows (rank among the areas of a level, previous
# period). Not in it: secondary suppression, wijken, tests — the build does more.
DUCKDB_AGGREGATIONS = """
create or replace table address_quantities as
select a.address_id, a.pc6, left(a.pc6, 4) as pc4, a.municipality_code, a.period_year,
       count(p.address_id) as inhabitants,
       count(p.address_id) filter (where date_diff('year', p.birth_date,
           make_date(a.period_year, 1, 1)) >= 65) as inhabitants_65plus,
       count(p.address_id) filter (where date_diff('year', p.birth_date,
           make_date(a.period_year, 1, 1)) < 18) as inhabitants_0_17,
       count(distinct v.address_id) as dwellings,
       coalesce(sum(v.woz_value), 0) as woz_value_total_eur
from addresses a
left join persons p on p.address_id = a.address_id and p.period_year = a.period_year
left join valuations v on v.address_id = a.address_id and v.period_year = a.period_year
group by all;

create or replace table area_quantities as
with rolled as (
    select
        case when grouping(pc6) = 0 then 'pc6' when grouping(pc4) = 0 then 'pc4'
             when grouping(municipality_code) = 0 then 'gemeente' else 'regio' end
            as area_level,
        coalesce(pc6, pc4, municipality_code, 'parkstad') as area_code,
        municipality_code, period_year, null::integer as period_month,
        sum(inhabitants) as inhabitants, sum(inhabitants_65plus) as inhabitants_65plus,
        sum(inhabitants_0_17) as inhabitants_0_17, sum(dwellings) as dwellings,
        sum(woz_value_total_eur) as woz_value_total_eur
    from address_quantities
    group by grouping sets ((pc6, municipality_code, period_year),
        (pc4, municipality_code, period_year), (municipality_code, period_year), (period_year))
),
event_rolled as (
    select
        case when grouping(pc4) = 0 then 'pc4' when grouping(municipality_code) = 0
             then 'gemeente' else 'regio' end as area_level,
        coalesce(pc4, municipality_code, 'parkstad') as area_code,
        municipality_code, year(event_date) as period_year,
        month(event_date) as period_month, count(*) as events
    from (select *, left(pc6, 4) as pc4 from events)
    group by grouping sets ((pc4, municipality_code, year(event_date), month(event_date)),
        (municipality_code, year(event_date), month(event_date)),
        (year(event_date), month(event_date)))
)
select area_level, area_code, municipality_code, period_year, period_month,
       quantity_code, amount
from (unpivot rolled on inhabitants, inhabitants_65plus, inhabitants_0_17, dwellings,
      woz_value_total_eur into name quantity_code value amount)
union all
select area_level, area_code, municipality_code, period_year, period_month, 'events', events
from event_rolled;

create or replace table indicator_cells as
with catalogue(indicator_code, numerator_code, denominator_code, unit) as (
    values ('pct_65plus', 'inhabitants_65plus', 'inhabitants', '%'),
           ('pct_0_17', 'inhabitants_0_17', 'inhabitants', '%'),
           ('gem_woz', 'woz_value_total_eur', 'dwellings', 'euro'),
           ('events_per_1000', 'events', 'inhabitants', 'per 1000')
)
select n.area_level, n.area_code, n.municipality_code, n.period_year, n.period_month,
       c.indicator_code, n.amount as numerator, d.amount as denominator,
       case when d.amount < 5 then 'groep'
            when c.unit = '%' and n.amount between 1 and 4 then 'kenmerk'
            when c.unit = '%' and d.amount - n.amount between 1 and 4 then 'complement'
       end as primary_rule,
       case when c.unit = 'per 1000' then 1000.0 else 100.0 end * n.amount
           / nullif(d.amount, 0) as value
from area_quantities n
join catalogue c on n.quantity_code = c.numerator_code
left join area_quantities d on d.quantity_code = c.denominator_code
    and d.area_level = n.area_level and d.area_code = n.area_code
    and d.municipality_code is not distinct from n.municipality_code
    and d.period_year = n.period_year and d.period_month is null;

create or replace table signals as
select *,
    percent_rank() over (partition by area_level, period_year, period_month, indicator_code
        order by value) as better_share,
    lag(value) over (partition by area_level, area_code, municipality_code, indicator_code,
        period_month is null order by period_year, period_month) as previous_value
from indicator_cells
where primary_rule is null;
"""


def duckdb_reference(settings: Settings, progress: Progress) -> tuple[float, int]:
    """Copy the raw rows DuckDB needs out of PostgreSQL (not timed), then time the key
    aggregations in DuckDB: (seconds, raw rows)."""
    import duckdb

    progress("DuckDB reference: the same key aggregations over the same raw rows")
    folder = settings.state_dir / "duckdb"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    conn = psycopg2.connect(settings.dsn())
    try:
        with conn.cursor() as cur:
            for name, query in RAW_FOR_DUCKDB.items():
                with open(folder / f"{name}.csv", "w") as handle:
                    cur.copy_expert(f"copy ({query}) to stdout with (format csv, header)", handle)
    finally:
        conn.close()
    db = duckdb.connect()
    db.execute("set threads = 2")
    rows = 0
    for name in RAW_FOR_DUCKDB:
        db.execute(f"create table {name} as select * from read_csv_auto(?)",
                   [str(folder / f"{name}.csv")])
        rows += db.execute(f"select count(*) from {name}").fetchone()[0]
    started = time.perf_counter()
    db.execute(DUCKDB_AGGREGATIONS)
    seconds = time.perf_counter() - started
    db.close()
    return seconds, rows
