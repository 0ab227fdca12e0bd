select
    'inconsistent_quantity' as rule,
    'published cells' as relation,
    a.label as area,
    pg_temp.audit_period(k.period_key) as period,
    q.quantity_code || ' is published as ' || k.min_amount || ' and as '
    || k.max_amount || ' (' || concat_ws(
        ', ', fi.indicator_code,
        nullif(li.indicator_code, fi.indicator_code)
    ) || ')' as detail,
    a.label || k.period_key || q.quantity_code as sort_key
from audit_known as k
inner join audit_areas as a on k.area_id = a.area_id
inner join audit_quantities as q on k.quantity_id = q.quantity_id
inner join audit_indicators as fi on k.first_indicator_id = fi.indicator_id
inner join audit_indicators as li on k.last_indicator_id = li.indicator_id
where k.min_amount <> k.max_amount
union all
select
    'small_complement' as rule,
    'published cells' as relation,
    a.label as area,
    pg_temp.audit_period(x.period_key) as period,
    p.measure_code || ' = ' || x.amount || ' < ' || p.threshold
    || ' (' || p.indicators || ')' as detail,
    a.label || x.period_key || p.measure_code as sort_key
from audit_amounts as x
inner join audit_share_pairs as p on x.measure_id = p.measure_id
inner join audit_areas as a on x.area_id = a.area_id
where x.amount >= 1 and x.amount < p.threshold
