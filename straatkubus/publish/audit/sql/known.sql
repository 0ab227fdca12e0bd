-- What a reader knows: every published quantity per area and period. A non-event
-- quantity in a monthly cell (its denominator) is the year's. Amounts as float8:
-- exact for counts, and far cheaper to aggregate than numeric.
create temp table audit_known on commit drop as
select
    u.area_id,
    u.period_key,
    u.quantity_id,
    min(u.amount) as min_amount,
    max(u.amount) as max_amount,
    min(u.indicator_id) as first_indicator_id,
    max(u.indicator_id) as last_indicator_id
from (
    select
        c.area_id,
        case
            when i.numerator_is_event then c.period_key
            else c.period_key / 100 * 100
        end as period_key,
        i.numerator_quantity_id as quantity_id,
        c.numerator::float8 as amount,
        c.indicator_id
    from audit_cell_rows as c
    inner join audit_indicators as i on c.indicator_id = i.indicator_id
    where c.numerator is not null and c.area_id is not null and c.period_key is not null
    union all
    select
        c.area_id,
        c.period_key / 100 * 100 as period_key,
        i.denominator_quantity_id as quantity_id,
        c.denominator::float8 as amount,
        c.indicator_id
    from audit_cell_rows as c
    inner join audit_indicators as i on c.indicator_id = i.indicator_id
    where
        c.denominator is not null and i.denominator_quantity_id is not null
        and c.area_id is not null and c.period_key is not null
) as u
group by 1, 2, 3;
analyze audit_known;

create temp table audit_amounts on commit drop as
select
    a.level_no,
    a.pc4_id,
    a.wijk_id,
    x.*
from (
    select
        k.area_id,
        k.period_key,
        m.measure_id,
        k.max_amount as amount
    from audit_known as k
    inner join audit_measures as m on k.quantity_id = m.measure_id
    union all
    select
        n.area_id,
        n.period_key,
        p.measure_id,
        d.max_amount - n.max_amount as amount
    from audit_share_pairs as p
    inner join audit_known as n on p.numerator_quantity_id = n.quantity_id
    inner join audit_known as d
        on
            p.denominator_quantity_id = d.quantity_id
            and n.area_id = d.area_id
            and n.period_key = d.period_key
) as x
inner join audit_areas as a on x.area_id = a.area_id;
analyze audit_amounts;
