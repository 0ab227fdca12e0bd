select area, period, indicator, shown
from ({labelled}) as rows
where not is_published and shown is not null
order by 1, 2, 3
limit 1
