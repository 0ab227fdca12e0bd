"""Every way to data through Superset: nothing outside a user's municipality and sensitivity
tiers ever leaves the deployed Superset.

Every demo user of superset/demo_users.yaml and two ad-hoc users (a function role without a
municipality role, a municipality role without a function role) log in once, like a browser
(login form, session cookie, the page's CSRF token), and then try every way to data they may
know of: the dashboards' charts and filters, altered queries, samples, drill-to-detail, CSV and
Excel export, SQL Lab, dataset and database metadata, another user's permalink or filter state.

Every row that comes back is checked against the oracle `..oracle.Access`, written from issue 5's
security design (role name -> municipality code / sensitivity tiers), never read from
superset/rls.yaml: the test must not depend on what it checks. The data requests ask for the
row-level security columns as extra group-by so each row can be judged. Controls (the admin, a
beleidsmedewerker of another municipality) send the same requests and do get rows outside the
user's rights, so every check can fail. Users send the same requests one after another, so a
result cache that served one user's rows to another would show here too.

The whole package runs twice (`rls_mode` in conftest.py): with Superset's RLS rules, and with
every rule deleted, so that PostgreSQL's own policies alone must keep each user to their rows.
"""
