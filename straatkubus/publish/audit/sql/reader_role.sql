select 1 from pg_roles
where rolname = %(reader)s
