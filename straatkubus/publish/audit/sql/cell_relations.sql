create temp table audit_relations on commit drop as
select
    r.relation_id,
    r.relation_name
from
    unnest(
        %(relation_ids)s::integer[], %(relation_names)s::text[]
    ) as r (relation_id, relation_name)
