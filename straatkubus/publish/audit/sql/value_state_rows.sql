-- the keys, the value and the value table's other measures
select *  -- noqa: AM04
from audit_value_state
