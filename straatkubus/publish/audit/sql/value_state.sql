drop table if exists audit_value_state;
create temp table audit_value_state on commit drop as
select
    a.area_id,
    p.period_key,
    i.indicator_id,
    case
        when a.area_id is null or p.period_key is null or i.indicator_id is null
            then concat_ws(
                ' ', t.area_level, t.area_code, t.municipality_code,
                t.period_code, t.indicator_code
            )
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
