-- Functions that run SQL given as text, or read a whole relation, schema or database named
-- by an argument: none may be executable by a reader login (straatkubus/warehouse/access.py).
-- One row per function, its signature as regprocedure text.
with input_arguments as (
    select
        p.oid,
        a.name,
        a.type_oid
    from pg_proc as p
    cross join lateral unnest(
        coalesce(p.proallargtypes, p.proargtypes::oid []),
        coalesce(p.proargmodes, array_fill('i'::"char", array[p.pronargs])),
        coalesce(p.proargnames, array_fill(''::text, array[p.pronargs]))
    ) as a (type_oid, mode, name)
    where a.mode in ('i', 'b', 'v')
),

matches as (
    select p.oid
    from pg_proc as p
    inner join pg_language as l on p.prolang = l.oid
    left join input_arguments as a on p.oid = a.oid
    where
        -- a query as text
        (a.type_oid = 'text'::regtype and a.name in ('query', 'sqlquery', 'select', 'sql'))
        -- a built-in whose C symbol says it runs a query (ts_rewrite)
        or (
            l.lanname in ('internal', 'c')
            and p.prosrc ~ '_query$'
            and a.type_oid = 'text'::regtype
        )
        -- a cursor
        or a.type_oid = 'refcursor'::regtype
        -- a whole table, schema or database as XML
        or p.proname ~ '^(query|cursor|table|schema|database)_to_xml'
        -- a compiled function reading a table named by an argument (statistics, extents)
        or (
            l.lanname in ('internal', 'c')
            and a.name ~ '^(tbl[0-9]*|tbl_oid|tablename|table_name|tabname)$'
        )
        or (
            l.lanname = 'c'
            and (a.type_oid = 'regclass'::regtype or p.prosrc ~ 'estimated_extent')
        )
        -- dynamic SQL in PL/pgSQL
        or (l.lanname = 'plpgsql' and p.prosrc ~* '\mexecute\M')
)

select distinct matches.oid::regprocedure::text as signature
from matches
order by signature
