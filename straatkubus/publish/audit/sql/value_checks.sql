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
