-- Keys are turned into integers once (area_id, period_key = year * 100 + month,
-- indicator_id, quantity_id) so that every join and aggregate works on integers.
create temp table audit_periods on commit drop as
select
    years.year::text as period_code,
    years.year * 100 as period_key
from generate_series(1900, 2199) as years (year)
union all
select
    years.year || '-' || lpad(months.month::text, 2, '0') as period_code,
    years.year * 100 + months.month as period_key
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
