select
    null::integer as relation_id,
    null::text as area_level,
    null::text as area_code,
    null::text as municipality_key,
    null::text as period_code,
    null::text as indicator_code,
    null::numeric as numerator,
    null::numeric as denominator,
    null::numeric as value,
    null::boolean as is_published,
    null::text as suppression_reason
where false
