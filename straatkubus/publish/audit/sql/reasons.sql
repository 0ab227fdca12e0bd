-- A share's suppressed cells whose group is published: one reason for all of them,
-- or the reason tells whether few have or few lack the characteristic (or that none
-- is small).
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
