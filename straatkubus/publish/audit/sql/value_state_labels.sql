select
    coalesce(a.label, v.unknown_key) as area,
    pg_temp.audit_period(v.period_key) as period,
    i.indicator_code as indicator,
    v.{column}::text as shown,
    v.is_published
from audit_value_state as v
left join audit_areas as a on v.area_id = a.area_id
left join audit_indicators as i on v.indicator_id = i.indicator_id
