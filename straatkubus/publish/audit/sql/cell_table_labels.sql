select
    area_level || ' ' || area_code
    || coalesce(' (' || nullif(municipality_code, area_code) || ')', '')
        as area,
    period_code as period,
    indicator_code as indicator,
    {column}::text as shown,
    {published} as is_published
from {table}
