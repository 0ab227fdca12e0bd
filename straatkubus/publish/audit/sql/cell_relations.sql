create temp table audit_relations on commit drop as
select *
from unnest(%(relation_ids)s::integer [], %(relation_names)s::text []) as r (relation_id, relation_name)
