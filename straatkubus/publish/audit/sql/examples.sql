with found as ({body}),

numbered as (
    select
        *,
        count(*) over (partition by rule) as total,
        row_number() over (partition by rule order by sort_key) as example
    from found
)

select
    rule,
    total,
    relation,
    area,
    period,
    detail
from numbered
where example <= {limit}
order by rule, example
