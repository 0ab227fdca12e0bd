"""Disclosure audit: can anything Superset's database user reads be traced to a few people?

The audit connects as the warehouse owner but looks at exactly what the reader role
(`Settings.reader_user`) may SELECT, in every schema. Each such relation is classified:

- a *cell table* (area and indicator keys with numerator, denominator, value and
  is_suppressed, like marts.fct_area_indicators) gets every check below;
- a *value table* (the same keys with a value but no numerator or denominator, like
  marts.fct_area_signals) may only repeat values marts.fct_area_indicators publishes;
- marts.dim_indicators and marts.dim_areas are the known descriptive dimensions;
- anything else is a finding: the audit cannot vouch for it, so it fails.

The checks work on what is published, never on the unsuppressed numbers: primary rules
per cell, one value per quantity, and differencing (a parent minus its published
children; a year minus its published months; the same for the complement of a share),
all set-based in SQL. `docs/disclosure-audit.md` explains the rules and the report.

The modules, in the order an audit runs them: `run` (`audit()`: one transaction, rolled
back), `shadow` (a build's shadow marts in the place of `marts`), `relations` (what the
reader can read, and what kind it is), `checks` (the order of the checks), `reference`
(the dimensions with integer keys), `cells`, `values` and `columns` (the checks per kind),
`session` (the shared cursor and examples), `report` (the rules and the report). The SQL
is in `sql/`, one file per statement, read by `queries`.
"""

from straatkubus.publish.audit.report import RULES, AuditError, AuditReport, Finding
from straatkubus.publish.audit.run import audit

__all__ = ["RULES", "AuditError", "AuditReport", "Finding", "audit"]
