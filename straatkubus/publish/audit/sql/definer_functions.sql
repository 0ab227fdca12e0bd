select p.oid::regprocedure::text
from pg_proc as p
inner join pg_namespace as n on p.pronamespace = n.oid
where
    p.prosecdef
    and n.nspname not in ('pg_catalog', 'information_schema')
    and has_schema_privilege(%(reader)s, n.oid, 'USAGE')
    and has_function_privilege(%(reader)s, p.oid, 'EXECUTE')
    and not exists (
        select 1 from pg_depend as d
        where
            d.classid = 'pg_proc'::regclass
            and d.objid = p.oid
            and d.deptype = 'e'
    )
order by 1
