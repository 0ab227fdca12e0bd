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
