with cells as (
    select
        c.*,
        i.indicator_code,
        i.unit,
        i.min_cell_size,
        i.min_denominator,
        i.rounding_base,
        i.denominator_quantity_code,
        i.is_amount,
        i.count_threshold,
        case
            when i.group_quantity_code = i.denominator_quantity_code then c.denominator
            else c.numerator
        end as group_size,
        case i.unit
            when '%' then 100 * c.numerator / nullif(c.denominator, 0)
            when 'per 1000' then 1000 * c.numerator / nullif(c.denominator, 0)
            when 'euro' then c.numerator / nullif(c.denominator, 0)
            when 'aantal' then c.numerator
        end as expected_value,
        {tolerance} as tolerance
    from audit_cell_rows as c
    left join audit_indicators as i on c.indicator_id = i.indicator_id
),

checked as (
    select
        *,
        unknown_key is not null as is_unknown,
        not is_published and num_nonnulls(numerator, denominator, value) > 0
            as has_numbers,
        is_published and indicator_code is not null and (
            numerator is null
            or (denominator_quantity_code is not null and denominator is null)
        ) as is_incomplete,
        is_published and group_size < min_denominator as is_small_group,
        is_published and not is_amount and rounding_base = 0
        and numerator >= 1 and numerator < count_threshold as is_small_count,
        is_published and rounding_base > 0 and (
            mod(numerator, rounding_base) <> 0 or numerator < min_cell_size
        ) as is_badly_rounded,
        is_published and indicator_code is not null and value is not null and (
            expected_value is null or abs(value - expected_value) > tolerance
        ) as is_value_mismatch
    from cells
),

flagged as (
    select
        *,
        unnest(array_remove(array[
            case when is_unknown then 'unknown_key' end,
            case when has_numbers then 'numbers_in_suppressed_cell' end,
            case when is_incomplete then 'incomplete_published_cell' end,
            case when is_small_group then 'small_group' end,
            case when is_small_count then 'small_count' end,
            case when is_badly_rounded then 'rounding' end,
            case when is_value_mismatch then 'value_mismatch' end
        ], null)) as rule
    from checked
    where
        is_unknown or has_numbers or is_incomplete or is_small_group
        or is_small_count or is_badly_rounded or is_value_mismatch
)

select
    f.rule,
    r.relation_name as relation,
    coalesce(a.label, f.unknown_key) as area,
    pg_temp.audit_period(f.period_key) as period,
    coalesce(f.indicator_code, '?') || ': ' || case f.rule
        when 'unknown_key'
            then
                'area, period or indicator unknown to marts.dim_areas or dim_indicators'
        when 'numbers_in_suppressed_cell'
            then concat_ws(
                ', ',
                'numerator ' || f.numerator, 'denominator ' || f.denominator,
                'value ' || f.value
            ) || ' shown although suppressed'
        when 'incomplete_published_cell'
            then concat_ws(
                ', ',
                'numerator ' || coalesce(f.numerator::text, 'null'),
                'denominator ' || coalesce(f.denominator::text, 'null'),
                'value ' || coalesce(f.value::text, 'null')
            )
        when 'small_group'
            then 'group of ' || f.group_size || ' < ' || f.min_denominator
        when 'small_count'
            then 'numerator ' || f.numerator || ' < ' || f.count_threshold
        when 'rounding'
            then
                'numerator ' || f.numerator || ' (base '
                || f.rounding_base || ', minimum ' || f.min_cell_size || ')'
        when 'value_mismatch' then 'value ' || f.value || ' but ' || coalesce(
            f.unit || ' of ' || f.numerator || '/' || coalesce(f.denominator::text, '-')
            || ' is ' || round(f.expected_value, 2),
            'unit ' || coalesce(f.unit, '?') || ' cannot be recomputed'
        )
    end as detail,
    coalesce(a.label, f.unknown_key) || f.period_key || f.indicator_code as sort_key
from flagged as f
inner join audit_relations as r on f.relation_id = r.relation_id
left join audit_areas as a on f.area_id = a.area_id
