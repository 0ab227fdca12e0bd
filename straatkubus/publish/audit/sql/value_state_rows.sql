select * from audit_value_state
