select
    count(*) as cell_count,
    count(*) filter (where is_published) as published_count
from audit_cell_rows
where relation_id = %(relation_id)s
