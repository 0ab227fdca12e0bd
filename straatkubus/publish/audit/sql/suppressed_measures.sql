select
    count(*) as suppressed_count,
    {aggregates}
from ({state}) as relation_rows
where not is_published
