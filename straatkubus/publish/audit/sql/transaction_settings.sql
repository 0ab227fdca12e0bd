-- temporary tables and views only, all dropped by the rollback
set local work_mem = '256MB';
-- the joins are between a few tables of millions of integer-keyed rows: hashing them
-- beats sorting them
set local enable_mergejoin = off;
set local enable_nestloop = off;
