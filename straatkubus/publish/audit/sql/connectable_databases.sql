select
    datname,
    datistemplate
from pg_database
where
    datallowconn and datname <> current_database()
    and has_database_privilege(%(reader)s, oid, 'CONNECT')
order by datname
