-- child -> parent, per relation, as marts.dim_areas defines them. PC6 -> gemeente and
-- PC6 -> regio go through the PC4 a PC6 part lies in (see differencing.sql).
create temp table audit_edges on commit drop as
select
    c.level_no * 10 + p.level_no as relation_id,
    c.area_id as child_id,
    p.area_id as parent_id
from audit_areas as c
inner join audit_areas as p
    on c.pc4_code = p.area_code and c.municipality_key = p.municipality_key
where c.area_level = 'pc6' and p.area_level = 'pc4'
union all
select
    c.level_no * 10 + p.level_no as relation_id,
    c.area_id as child_id,
    p.area_id as parent_id
from audit_areas as c
inner join audit_areas as p
    on c.wijk_code = p.area_code and c.municipality_key = p.municipality_key
where c.area_level = 'pc6' and p.area_level = 'wijk'
union all
select
    c.level_no * 10 + p.level_no as relation_id,
    c.area_id as child_id,
    p.area_id as parent_id
from audit_areas as c
inner join audit_areas as p on c.municipality_key = p.municipality_key
where c.area_level in ('pc4', 'wijk') and p.area_level = 'gemeente'
union all
select
    c.level_no * 10 + p.level_no as relation_id,
    c.area_id as child_id,
    p.area_id as parent_id
from audit_areas as c
cross join audit_areas as p
where
    c.area_level in ('pc4', 'wijk', 'gemeente') and p.area_level = 'regio'
    and %(one_region)s;
analyze audit_edges;
alter table audit_areas add column pc4_id integer, add column wijk_id integer;
update audit_areas as a
set pc4_id = e.parent_id
from audit_edges as e
where a.area_id = e.child_id and e.relation_id = 12;
update audit_areas as a
set wijk_id = e.parent_id
from audit_edges as e
where a.area_id = e.child_id and e.relation_id = 13;
