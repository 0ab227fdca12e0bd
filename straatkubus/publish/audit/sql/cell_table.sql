select
    {relation_id} as relation_id,
    area_level::text,
    area_code::text,
    coalesce(municipality_code::text, '') as municipality_key,
    period_code::text,
    indicator_code::text,
    {numerator} as numerator,
    {denominator} as denominator,
    {value} as value,
    {published} as is_published,
    {reason} as suppression_reason
from {table}
