select
    area,
    period,
    indicator,
    shown
from ({labelled}) as labelled
where not is_published and shown is not null
order by 1, 2, 3
limit 1
