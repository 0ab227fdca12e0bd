select
    a.attrelid,
    a.attname,
    t.typcategory
from pg_attribute as a
inner join pg_type as t on a.atttypid = t.oid
where
    a.attrelid = any(%(oids)s)
    and a.attnum > 0
    and not a.attisdropped
    and has_column_privilege(%(reader)s, a.attrelid, a.attnum, 'SELECT')
