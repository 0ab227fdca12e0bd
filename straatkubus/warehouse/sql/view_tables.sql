-- The tables each view of a schema reads directly (from the view's rewrite rule): a
-- view with the reader's rights (security_invoker) is only as closed as these tables.
select distinct
    v.relname as view_name,
    t.relname as table_name
from pg_depend as d
inner join pg_rewrite as r on d.objid = r.oid
inner join pg_class as v on r.ev_class = v.oid
inner join pg_class as t on d.refobjid = t.oid
inner join pg_namespace as n on v.relnamespace = n.oid
where
    d.classid = 'pg_rewrite'::regclass
    and d.refclassid = 'pg_class'::regclass
    and n.nspname = %(schema)s
    and v.relkind = 'v'
    and t.relkind in ('r', 'p')
    and t.oid <> v.oid
order by 1, 2
