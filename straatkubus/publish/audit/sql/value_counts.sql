select
    count(*) as row_count,
    count(value) as value_count
from audit_value_state
