create temp table audit_cell_rows on commit drop as
select
    c.relation_id,
    a.area_id,
    p.period_key,
    i.indicator_id,
    c.numerator,
    c.denominator,
    c.value,
    c.is_published,
    c.suppression_reason,
    case
        when a.area_id is null or i.indicator_id is null or p.period_key is null
            then concat_ws(
                ' ', c.area_level, c.area_code,
                nullif(c.municipality_key, ''), c.period_code, c.indicator_code
            )
    end as unknown_key
from audit_cells as c
left join audit_areas as a
    on
        c.area_level = a.area_level
        and c.area_code = a.area_code
        and c.municipality_key = a.municipality_key
left join audit_indicators as i on c.indicator_code = i.indicator_code
left join audit_periods as p on c.period_code = p.period_code;
analyze audit_cell_rows;
