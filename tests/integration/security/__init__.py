"""The attack tests: nothing outside a user's municipality and sensitivity tiers ever leaves the
warehouse, through Superset or straight from PostgreSQL.

`superset/` tries every way to data through Superset, once with Superset's RLS rules and once
with all of them deleted; `database/` checks PostgreSQL's own defences and the remaining doors.
Both judge rows by `oracle.Access`, the README's access model.
"""
