select t.*, {published} as is_published from {table} as t
