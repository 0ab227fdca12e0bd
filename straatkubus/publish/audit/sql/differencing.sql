-- Parent minus its published children, per relation and period; a year minus its
-- published months. Children (months) not published contribute nothing.
with direct_sums as (
    -- PC6 parts in their PC4 part and, when wholly inside one, their wijk: one pass
    select
        case when grouping(x.pc4_id) = 0 then 12 else 13 end as relation_id,
        coalesce(x.pc4_id, x.wijk_id) as parent_id,
        x.period_key,
        x.measure_id,
        sum(x.amount) as children_amount,
        count(*) as children_published
    from audit_amounts as x
    where x.level_no = 1
    group by
        grouping sets (
            (x.pc4_id, x.period_key, x.measure_id),
            (x.wijk_id, x.period_key, x.measure_id)
        )
    having coalesce(x.pc4_id, x.wijk_id) is not null
    union all
    select
        e.relation_id,
        e.parent_id,
        x.period_key,
        x.measure_id,
        sum(x.amount) as children_amount,
        count(*) as children_published
    from audit_edges as e
    inner join audit_amounts as x on e.child_id = x.area_id
    where x.level_no > 1
    group by e.relation_id, e.parent_id, x.period_key, x.measure_id
),

child_sums as (
    select * from direct_sums
    union all
    -- PC6 parts nest in PC4 parts of the same municipality: their sums per PC4 add up
    -- to the gemeente's and Parkstad's (one pass over the PC6 figures, not three)
    select
        10 + e.relation_id % 10 as relation_id,
        e.parent_id,
        s.period_key,
        s.measure_id,
        sum(s.children_amount) as children_amount,
        sum(s.children_published) as children_published
    from direct_sums as s
    inner join audit_edges as e on s.parent_id = e.child_id
    where s.relation_id = 12 and e.relation_id in (24, 25)
    group by 10 + e.relation_id % 10, e.parent_id, s.period_key, s.measure_id
),

parents as (
    select * from audit_amounts
    where level_no > 1
),

month_sums as (
    select
        x.area_id,
        x.period_key / 100 * 100 as year_key,
        x.measure_id,
        sum(x.amount) as months_amount,
        count(*) as months_published
    from audit_amounts as x
    inner join audit_measures as m on x.measure_id = m.measure_id
    where m.is_event and x.period_key % 100 <> 0
    group by x.area_id, x.period_key / 100 * 100, x.measure_id
),

residuals as (
    select
        'area_differencing' as rule,
        pg_temp.audit_relation(s.relation_id) as relation,
        p.area_id,
        p.period_key,
        p.measure_id,
        p.amount,
        p.amount - s.children_amount as residual,
        s.children_published || ' published children' as published
    from child_sums as s
    inner join parents as p
        on
            s.parent_id = p.area_id
            and s.period_key = p.period_key
            and s.measure_id = p.measure_id
    where p.amount - s.children_amount >= 1
    union all
    select
        'period_differencing' as rule,
        'year→month' as relation,
        y.area_id,
        y.period_key,
        y.measure_id,
        y.amount,
        y.amount - s.months_amount as residual,
        s.months_published || ' published months' as published
    from month_sums as s
    inner join audit_amounts as y
        on
            s.area_id = y.area_id
            and s.year_key = y.period_key
            and s.measure_id = y.measure_id
    where y.amount - s.months_amount >= 1
)

select
    case
        when r.rule = 'area_differencing' and m.is_complement
            then 'complement_differencing'
        else r.rule
    end as rule,
    r.relation,
    a.label as area,
    pg_temp.audit_period(r.period_key) as period,
    m.measure_code || ' of the suppressed '
    || case when r.rule = 'period_differencing' then 'months' else 'children' end
    || ' derivable as ' || r.residual || ' < ' || m.threshold
    || ' (' || r.amount || ' minus ' || r.published || ')' as detail,
    r.relation || a.label || r.period_key || m.measure_code as sort_key
from residuals as r
inner join audit_measures as m on r.measure_id = m.measure_id
inner join audit_areas as a on r.area_id = a.area_id
where r.residual < m.threshold
