"""The PostgreSQL warehouse: the local cluster, reader logins and policies, and dbt builds."""
