select count(*), count(value) from audit_value_state
