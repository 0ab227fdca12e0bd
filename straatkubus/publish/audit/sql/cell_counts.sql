select count(*), count(*) filter (where is_published) from audit_cell_rows
where relation_id = %(relation_id)s
