"""The benchmark's arithmetic and report (no timing here: the figures are BENCHMARKS.md's)."""

from __future__ import annotations

import math
from types import SimpleNamespace

import pytest

from straatkubus import bench
from straatkubus.bench import Build, Figure
from straatkubus.bench.reference import MartComparison, Reference, canonical_checksum


def test_scaling_exponent_is_one_for_linear_growth() -> None:
    audit = ("passed", "9 cells")
    small, large = Build(1_000_000, 100.0, 0, [], 0, 0, audit), Build(2_500_000, 250.0, 0, [], 0, 0, audit)
    assert bench.scaling_exponent(small, large) == pytest.approx(1.0)
    quadratic = Build(2_500_000, 100.0 * 2.5**2, 0, [], 0, 0, audit)
    assert bench.scaling_exponent(small, quadratic) == pytest.approx(2.0)


def test_percentile_is_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert bench.percentile(values, 0.5) == 50.0
    assert bench.percentile(values, 0.95) == 95.0
    assert bench.percentile([3.0], 0.95) == 3.0


def test_tiles_cover_the_inhabitants() -> None:
    assert bench.tiles_for(bench.PARKSTAD_INHABITANTS) == 0
    assert bench.tiles_for(1_000_000) == 3
    assert (bench.tiles_for(18_000_000) + 1) * bench.PARKSTAD_INHABITANTS >= 18_000_000


def test_memory_counts_shared_buffers_once() -> None:
    def process(rss: int, shared: int) -> SimpleNamespace:
        return SimpleNamespace(memory_info=lambda: SimpleNamespace(rss=rss, shared=shared))

    processes = [process(1000, 800), process(900, 800), process(100, 0)]
    assert bench.memory_in_use(processes) == 200 + 100 + 100 + 800


def test_figures_hold_every_measure_and_the_estimate_for_the_netherlands() -> None:
    builds = [Build(256_180, 50.0, 2**30, [("fct_area_signals", 9.0)], 2**30, 0,
                    ("passed", "900 published cells and values checked")),
              Build(1_000_000, 200.0, 3 * 2**30, [("int_area_quantities_protected", 40.0)],
                    4 * 2**30, 2**30, ("FAILED: 2 finding(s)", "1 relation"))]
    marts = (MartComparison("dim_areas", (10, "a"), (10, "a")),
             MartComparison("fct_area_signals", (20, "b"), (20, "c")))
    duckdb = Reference(export_seconds=3.0, build_seconds=5.0, raw_rows=2_000_000,
                       handed_over=("dim_areas", "stg_bag__addresses"), marts=marts)
    figures = bench.build_figures(builds, duckdb=duckdb, incremental=(30_000, 2.0),
                                  load_rate=20_000.0, free_disk=60 * 2**30)
    measures = [figure.measure for figure in figures]
    assert measures[:6] == [f"{measure}, {scale} inhabitants" for scale in ("256,180", "1,000,000")
                            for measure in ("full build", "warehouse on disk", "disclosure audit")]
    by_measure = {figure.measure: figure for figure in figures}
    # the targets hold for Parkstad's scale only
    assert by_measure["full build, 256,180 inhabitants"].target == "≤ 60 s: met"
    assert by_measure["full build, 1,000,000 inhabitants"].target == ""
    assert by_measure["warehouse on disk, 256,180 inhabitants"].target == "≤ 0.6 GiB: missed (1.67×)"
    assert by_measure["disclosure audit, 1,000,000 inhabitants"].value == "FAILED: 2 finding(s)"
    exponent = next(f for f in figures if f.measure == "scaling exponent")
    assert float(exponent.value) == pytest.approx(math.log(4) / math.log(1_000_000 / 256_180), abs=0.01)
    netherlands = next(f for f in figures if f.measure.startswith("full build, 18,000,000"))
    assert "warehouse alone about 72.0 GiB (linear from 1,000,000), 60.0 GiB free" in \
        netherlands.detail
    assert "4 % of the full build" in next(f for f in figures if f.measure == "incremental refresh").value
    reference = next(f for f in figures if f.measure == "DuckDB reference")
    assert "build / DuckDB = 10.0; marts identical: 1 of 2" in reference.value
    assert reference.target == "≤ 3× DuckDB: missed (3.33×)"
    assert "2 PostGIS models: dim_areas, stg_bag__addresses) computed in PostgreSQL" in \
        reference.detail
    assert next(f for f in figures if f.measure == "peak memory of the build").value == "3.0 GiB"


def test_duckdb_is_compared_with_the_dbt_step_of_the_build() -> None:
    build = Build(256_180, 50.0, 0, [], 0, 0, ("passed", ""), steps={"freshness": 5.0, "dbt": 30.0})
    duckdb = Reference(export_seconds=3.0, build_seconds=10.0, raw_rows=1, handed_over=(), marts=())
    figures = bench.build_figures([build], duckdb=duckdb, incremental=None, load_rate=1.0, free_disk=0)
    reference = next(f for f in figures if f.measure == "DuckDB reference")
    assert "build / DuckDB = 3.0" in reference.value and reference.target == "≤ 3× DuckDB: met"
    assert "freshness 5.0 s, dbt 30.0 s" in figures[0].detail


def test_report_names_machine_and_command() -> None:
    text = bench.report([Figure("generation", "1 rows/s", "detail")], "straatkubus bench", ["A note."])
    assert "Machine: " in text and "cores" in text
    assert "Command: `straatkubus bench`" in text
    assert "| generation | 1 rows/s |  | detail |" in text
    assert text.rstrip().endswith("A note.")


def test_against_says_met_or_by_how_much_missed() -> None:
    assert bench.against(60.0, 60, " s") == "≤ 60 s: met"
    assert bench.against(94.2, 60, " s") == "≤ 60 s: missed (1.57×)"
    assert bench.against(1.08, 1.05, "") == "≤ 1.05: missed (1.03×)"


def test_security_outcome_reads_pytests_summary() -> None:
    from straatkubus.bench.security import outcome

    assert outcome(0, "....\n284 passed in 612.3s (0:10:12)\n", 612.3)[0] == "passed"
    failed, detail = outcome(1, "F.\n= 2 failed, 282 passed, 1 error in 9.0s =", 9.0)
    assert failed == "FAILED" and detail.startswith("282 passed, 2 failed, 1 errors")


def test_map_query_context_gets_the_dataset_of_the_chart() -> None:
    context = bench.map_query_context(lambda uuid: {"id": 7, "datasource_id": 42, "uuid": uuid})
    assert context["datasource"]["id"] == 42
    assert context["queries"], "the map chart has a saved query"


def test_the_municipality_user_has_the_municipality_role() -> None:
    assert bench.MUNICIPALITY_ROLE in bench.municipality_user()["roles"]


def test_draw_time_figures_split_demo_users_and_beheerder() -> None:
    times = {"heerlen": [2.0, 4.0], "regio-analist": [1.0, 3.0], "admin": [30.0, 20.0]}
    users, beheerder = bench.draw_time_figures(times, "admin")
    assert users.measure == "kaart draw time, demo users"
    assert users.value == "p50 2.0 s, p95 4.0 s"
    assert "4 openings by 2 users" in users.detail and "slowest heerlen 4.0 s" in users.detail
    assert beheerder.value == "p50 20.0 s, p95 30.0 s"
    assert bench.draw_time_figures({"heerlen": [1.0]}, "admin")[0].value == "p50 1.0 s, p95 1.0 s"


def test_the_canonical_checksum_ignores_row_order_and_decimal_scale_only() -> None:
    import duckdb

    db = duckdb.connect()
    db.execute("create table a (code varchar, amount decimal(16, 2), share double)")
    db.execute("insert into a values ('x', 1.50, 0.25), ('y', null, 1)")
    db.execute("create table b (code varchar, amount decimal(16, 1), share double)")
    db.execute("insert into b values ('y', null, 1), ('x', 1.5, 0.25)")
    assert canonical_checksum(db, "a") == canonical_checksum(db, "b")
    assert canonical_checksum(db, "a")[0] == 2
    for change in ("update b set amount = 1.6 where code = 'x'",
                   "update b set amount = 0 where code = 'y'",
                   "update b set code = 'z' where code = 'y'",
                   "insert into b values ('x', 1.5, 0.25)"):
        db.execute("create or replace table c as select * from b")
        db.execute(change.replace(" b ", " c "))
        assert canonical_checksum(db, "c") != canonical_checksum(db, "a"), change
