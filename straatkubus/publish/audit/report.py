"""What the audit found: the rules, a finding, the report and how it reads."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

RULES: dict[str, str] = {
    "unaudited_relation": "a relation the reader can read that the audit cannot check",
    "unaudited_function": "a SECURITY DEFINER function the reader may execute (it reads with "
                          "its owner's rights)",
    "unaudited_column": "a number in a dimension that is not a known descriptive attribute",
    "missing_reference": "a relation the audit needs to check the others is missing",
    "unknown_key": "a cell whose area, period or indicator marts.dim_areas or "
                   "marts.dim_indicators does not know",
    "numbers_in_suppressed_cell": "a suppressed cell that still carries a number",
    "incomplete_published_cell": "a published cell without its numerator or denominator "
                                 "(its value would hide what it is computed from)",
    "small_count": "a published count of people below the indicator's minimum cell size",
    "small_group": "a published figure about a group below the indicator's minimum",
    "small_complement": "a share whose published numbers leave a small group without the "
                        "characteristic (denominator - numerator)",
    "rounding": "a rounded count that is not a multiple of its base or is below the minimum",
    "value_mismatch": "a published value that does not follow from its numerator and "
                      "denominator",
    "inconsistent_quantity": "one quantity of one area and period published with two values",
    "area_differencing": "a parent minus its published children gives a small number",
    "complement_differencing": "the same for the complement of a share (denominator - "
                               "numerator)",
    "period_differencing": "a year minus its published months gives a small number",
    "reason_reveals_side": "suppressed cells of a share whose group is published give "
                           "different reasons (which tells which side is small)",
    "value_not_published": "a value table shows a value marts.fct_area_indicators withholds",
    "value_differs": "a value table shows another value than marts.fct_area_indicators",
    "measure_in_suppressed_row": "another number on a suppressed row (it may be derived from "
                                 "the withheld one)",
    "attribute_mismatch": "a column named after a dimension attribute that differs from it",
}


class AuditError(RuntimeError):
    """The audit could not run (no database, no reader role, a dimension it cannot read)."""


@dataclass(frozen=True)
class Finding:
    """One example of a broken rule."""

    rule: str
    relation: str
    area: str  # "pc6 6411AC (GM0917)", or "" when the finding is not about one area
    period: str
    detail: str

    def __str__(self) -> str:
        where = " ".join(part for part in (self.area, self.period) if part)
        return f"{self.relation}: {where}: {self.detail}" if where else f"{self.relation}: {self.detail}"


@dataclass
class RelationSummary:
    name: str
    kind: str  # cell table, value table, dimension, extension, unaudited
    rows: int | None = None
    checked: int | None = None  # published cells, or values, checked
    note: str = ""


@dataclass
class AuditReport:
    database: str
    reader: str
    relations: list[RelationSummary] = field(default_factory=list)
    totals: dict[str, int] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)  # examples, up to max_examples a rule
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        return not any(self.totals.values())

    @property
    def finding_count(self) -> int:
        return sum(self.totals.values())

    def examples(self, rule: str) -> list[Finding]:
        return [finding for finding in self.findings if finding.rule == rule]

    def add(self, rule: str, total: int, examples: Iterable[Finding]) -> None:
        if total:
            self.totals[rule] = self.totals.get(rule, 0) + total
            self.findings.extend(examples)

    def render(self) -> str:
        lines = [f"Disclosure audit of database {self.database} as seen by {self.reader} "
                 f"({self.seconds:.1f} s)", "", f"Relations {self.reader} can read:"]
        width = max((len(r.name) for r in self.relations), default=10)
        for relation in self.relations:
            counts = ""
            if relation.rows is None:
                counts = "not checked" if relation.kind in ("cell table", "value table") else ""
            elif relation.kind == "cell table":
                counts = f"{relation.rows:,} cells, {relation.checked:,} published"
            elif relation.kind == "value table":
                counts = f"{relation.rows:,} rows, {relation.checked:,} values"
            else:
                counts = f"{relation.rows:,} rows"
            text = "  ".join(part for part in (counts, relation.note) if part)
            lines.append(f"  {relation.name:<{width}}  {relation.kind:<11}  {text}".rstrip())
        if not self.relations:
            lines.append("  (none)")
        lines.extend(f"Note: {note}" for note in self.notes)
        lines.append("")
        if self.passed:
            lines.append(f"PASSED: no finding ({len(RULES)} rules checked)")
            return "\n".join(lines)
        lines.append(f"FAILED: {self.finding_count:,} finding(s) in {len(self.totals)} rule(s)")
        for rule, description in RULES.items():
            if not self.totals.get(rule):
                continue
            lines.append(f"\n{rule} ({self.totals[rule]:,}): {description}")
            lines.extend(f"  - {finding}" for finding in self.examples(rule))
            shown = len(self.examples(rule))
            if self.totals[rule] > shown:
                lines.append(f"  ... and {self.totals[rule] - shown:,} more")
        return "\n".join(lines)
