select count(*) from audit_areas
where area_level = 'regio'
