with mismatches as (
    select
        t.area_level,
        t.area_code,
        t.municipality_code,
        t.period_code,
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
