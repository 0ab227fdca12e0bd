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
    coalesce(
        group_quantity_code, denominator_quantity_code, numerator_quantity_code
    )::text
        as group_quantity_code,
    coalesce(is_share, false) as is_share,
    coalesce(is_event, false) as is_event,
    (unit is not distinct from 'euro') as is_amount
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
    select
        denominator_quantity_code as quantity_code,
        true as is_count,
        false as is_event,
        0 as rounding_base,
        null as count_threshold,
        null as group_threshold,
        min_cell_size
    from audit_indicators
    where denominator_quantity_code is not null
    union all
    select
        group_quantity_code as quantity_code,
        true as is_count,
        false as is_event,
        null as rounding_base,
        null as count_threshold,
        min_denominator as group_threshold,
        min_cell_size
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
    group by
        i.denominator_quantity_code || ' - ' || i.numerator_quantity_code,
        i.numerator_quantity_id,
        i.denominator_quantity_id
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
select
    measure_id,
    measure_code,
    true as is_complement,
    false as is_event,
    threshold
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
analyze audit_indicators, audit_quantities, audit_share_pairs;
analyze audit_measures, audit_areas;
