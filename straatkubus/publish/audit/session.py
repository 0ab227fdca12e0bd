"""One audit's cursor, report and the state its checks share."""

from __future__ import annotations

from dataclasses import dataclass, field

from psycopg2 import sql

from straatkubus.publish.audit.queries import compose, query
from straatkubus.publish.audit.report import AuditReport, Finding


@dataclass
class Session:
    cur: object
    reader: str
    report: AuditReport
    max_examples: int
    cell_ids: dict[tuple[str, str], int] = field(default_factory=dict)  # cell table -> relation_id
    # cell table -> the expression that tells whether a row is published
    published: dict[tuple[str, str], sql.Composable] = field(default_factory=dict)

    def execute(self, statement: sql.Composable | str, params=None) -> None:
        self.cur.execute(statement, params)

    def rows(self, statement: sql.Composable | str, params=None) -> list[tuple]:
        self.cur.execute(statement, params)
        return self.cur.fetchall()

    def exists(self, schema: str, name: str) -> bool:
        relation = sql.Identifier(schema, name).as_string(self.cur)
        return bool(self.rows(query("relation_exists"), {"relation": relation})[0][0])

    def examples(self, body: sql.Composable | str) -> None:
        """`body` selects (rule, relation, area, period, detail, sort_key): keep the total per
        rule and its first max_examples rows."""
        statement = compose("examples", body=sql.SQL(body) if isinstance(body, str) else body,
                            limit=sql.Literal(self.max_examples))
        seen: set[str] = set()
        for rule, total, relation, area, period, detail in self.rows(statement):
            if rule not in seen:
                seen.add(rule)
                self.report.add(rule, total, [])
            self.report.findings.append(Finding(rule, relation, area or "", period or "", detail))
