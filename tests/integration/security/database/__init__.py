"""PostgreSQL itself keeps every reader to its rows, and no dashboard user can read around it,
exhaust the server or stop it (issue: access enforced inside PostgreSQL).

The oracle is the README's access model (`..oracle.Access`), never superset/rls.yaml or
straatkubus/warehouse/access.py, which these tests check.
"""
