select
    c.oid,
    n.nspname,
    c.relname,
    (
        select e.extname
        from pg_depend as d
        inner join pg_extension as e on d.refobjid = e.oid
        where
            d.classid = 'pg_class'::regclass
            and d.objid = c.oid
            and d.refclassid = 'pg_extension'::regclass
            and d.deptype = 'e'
    ) as extension_name
from pg_class as c
inner join pg_namespace as n on c.relnamespace = n.oid
where
    c.relkind in ('r', 'v', 'm', 'p', 'f')
    and n.nspname not in ('pg_catalog', 'information_schema')
    and n.nspname not like 'pg\_toast%%'
    and n.nspname not like 'pg\_temp%%'
    and has_schema_privilege(%(reader)s, n.oid, 'USAGE')
    and has_any_column_privilege(%(reader)s, c.oid, 'SELECT')
order by n.nspname, c.relname
