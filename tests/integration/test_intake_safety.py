"""Deliveries that must never leak a BSN, break a batch or silently shrink a register.

Each case is a hand-made file of one class of issue 16; for each: rows in = loaded +
quarantined, or a refusal or hold recorded in `raw.deliveries` while the rest of the batch
still loads. A database of its own (the `intake_db` fixture).
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
import time
from pathlib import Path

import psycopg2
import pytest
from test_intake import BRP_HEADER, POLICE_HEADER, query, valid_bsns, write

from straatkubus.ingest.bsn import pseudonymise
from straatkubus.ingest.intake import DeliveryRefused
from straatkubus.ingest.load import load_file, load_files
from straatkubus.settings import REPO

PG_DUMP = "/usr/lib/postgresql/15/bin/pg_dump"


def brp_rows(bsns: list[str], municipality: str = "GM0928") -> list[list[str]]:
    code = municipality[2:]
    return [[bsn, "1980-05-17", f"{code}{i:012d}", f"HH-{i}", municipality]
            for i, bsn in enumerate(bsns)]


def refusals(settings, path: Path) -> list[str]:
    return [reason for reason, in query(settings, "select reason from raw.deliveries where "
                                        "file_name = %s and outcome = 'refused'", (path.name,))]


def loaded_rows(settings, path: Path) -> int:
    return query(settings, "select coalesce(sum(rows_loaded), 0) from raw.deliveries "
                 "where file_name = %s and is_current", (path.name,))[0][0]


def load_batch_with(settings, bad: Path, tmp_path: Path, year: int) -> list:
    """Load `bad` between two good deliveries; both good ones must load, `bad` be refused
    and recorded once (also when loaded again). Returns the refusal reasons."""
    good = [write(tmp_path, f"brp_persons__GM0882__{year}.csv", BRP_HEADER,
                  brp_rows(valid_bsns(5, start=30_000_000 + year * 100), "GM0882")),
            write(tmp_path, f"police_incidents__politie__{year}-01.csv", POLICE_HEADER,
                  [["PL-1", "GM0882", "geweld", f"{year}-01-05", "6371AB"]])]
    for _ in range(2):
        results = list(load_files(settings, [good[0], bad, good[1]], workers=2))
        assert [type(r).__name__ for r in results] == ["LoadResult", "DeliveryRefused",
                                                       "LoadResult"], results
        assert all("Traceback" not in str(r) and "\n" not in str(r) for r in results)
    assert loaded_rows(settings, good[0]) == 5 and loaded_rows(settings, good[1]) == 1
    reasons = refusals(settings, bad)
    assert len(reasons) == 1 and "\n" not in reasons[0]
    return reasons


def test_a_nul_byte_refuses_that_file_only(intake_db, tmp_path):
    path = write(tmp_path, "brp_persons__GM0928__2010.csv", BRP_HEADER,
                 brp_rows(valid_bsns(4, start=31_000_000)))
    path.write_bytes(path.read_bytes().replace(b"HH-2", b"HH-\x002"))
    reason, = load_batch_with(intake_db, path, tmp_path, 2010)
    assert "NUL" in reason and "line 4" in reason


def test_a_huge_field_refuses_that_file_only(intake_db, tmp_path):
    rows = brp_rows(valid_bsns(4, start=31_100_000))
    rows[1][3] = '"' + ("x" * 99 + "\n") * 50_000 + '"'  # 5 MB, in lines of 100 bytes
    path = write(tmp_path, "brp_persons__GM0928__2011.csv", BRP_HEADER, rows)
    reason, = load_batch_with(intake_db, path, tmp_path, 2011)
    assert "longer than 65536 characters" in reason


def test_an_over_long_line_refuses_that_file_only(intake_db, tmp_path):
    rows = brp_rows(valid_bsns(4, start=31_200_000))
    rows[2][3] = "x" * 5_000_000
    path = write(tmp_path, "brp_persons__GM0928__2012.csv", BRP_HEADER, rows)
    reason, = load_batch_with(intake_db, path, tmp_path, 2012)
    assert "line 4 is longer than 1048576 bytes" in reason


@pytest.mark.parametrize(("year", "prefix", "bad"), [
    (2013, b"", b"HH-\x81"),  # undefined in Windows-1252, invalid in UTF-8
    (2014, b"\xef\xbb\xbf", b"HH-\xe9"),  # a UTF-8 BOM, then a Windows-1252 byte
])
def test_bytes_invalid_in_the_encoding_refuse_that_file_only(intake_db, tmp_path, year, prefix,
                                                            bad):
    path = write(tmp_path, f"brp_persons__GM0928__{year}.csv", BRP_HEADER,
                 brp_rows(valid_bsns(4, start=31_300_000 + year)))
    path.write_bytes(prefix + path.read_bytes().replace(b"HH-1", bad))
    reason, = load_batch_with(intake_db, path, tmp_path, year)
    assert "not valid" in reason and "line 3" in reason


def test_a_file_over_the_size_limit_is_refused(intake_db, tmp_path):
    path = write(tmp_path, "brp_persons__GM0928__2015.csv", BRP_HEADER,
                 brp_rows(valid_bsns(40, start=31_400_000)))
    limited = dataclasses.replace(intake_db, max_delivery_bytes=1000)
    reason, = load_batch_with(limited, path, tmp_path, 2015)
    assert f"{path.stat().st_size} bytes, over the limit of 1000" in reason


def test_a_file_that_vanishes_before_it_is_read_is_refused(intake_db, tmp_path):
    path = write(tmp_path, "brp_persons__GM0928__2016.csv", BRP_HEADER,
                 brp_rows(valid_bsns(4, start=31_500_000)))
    path.unlink()  # listed in the batch, gone when its turn comes
    reason, = load_batch_with(intake_db, path, tmp_path, 2016)
    assert "could not be read" in reason


def test_a_shrinking_correction_is_held_until_accepted(intake_db, tmp_path):
    bsns = valid_bsns(256, start=32_000_000)
    path = write(tmp_path, "brp_persons__GM0986__2024.csv", BRP_HEADER, brp_rows(bsns, "GM0986"))
    assert load_file(intake_db, path).rows_loaded == 256
    write(tmp_path, path.name, BRP_HEADER, brp_rows(bsns[:12], "GM0986"))
    for _ in range(2):  # held, recorded once
        (result,) = list(load_files(intake_db, [path]))
        assert type(result).__name__ == "DeliveryHeld"
        assert "12 rows where the current delivery has 256" in str(result)
    assert query(intake_db, "select rows_in, rows_loaded, reason like '%%256%%' from "
                 "raw.deliveries where file_name = %s and outcome = 'held'", (path.name,)) == [
        (12, 0, True)]
    assert query(intake_db, "select count(*) from raw.brp_persons where delivery_sender = "
                 "'GM0986' and delivery_period = '2024'") == [(256,)]
    (result,) = list(load_files(intake_db, [path], accept_volume_change=True))
    assert (result.outcome, result.rows_in, result.rows_loaded) == ("replaced", 12, 12)
    assert query(intake_db, "select count(*) from raw.brp_persons where delivery_sender = "
                 "'GM0986' and delivery_period = '2024'") == [(12,)]


def test_a_period_far_larger_than_the_previous_one_is_held(intake_db, tmp_path):
    previous = write(tmp_path, "brp_persons__GM0965__2022.csv", BRP_HEADER,
                     brp_rows(valid_bsns(40, start=33_000_000), "GM0965"))
    assert load_file(intake_db, previous).rows_loaded == 40
    path = write(tmp_path, "brp_persons__GM0965__2023.csv", BRP_HEADER,
                 brp_rows(valid_bsns(100, start=33_100_000), "GM0965"))
    (result,) = list(load_files(intake_db, [path]))
    assert "100 rows where the previous period (2022) has 40" in str(result)
    assert query(intake_db, "select outcome, rows_in from raw.deliveries where file_name = %s",
                 (path.name,)) == [("held", 100)]


def test_bsns_never_reach_quarantine_lines_or_reasons(intake_db, tmp_path):
    bsns = valid_bsns(12, start=34_000_000)
    rows = brp_rows(bsns[:6])
    rows.append([bsns[6], "1980-05-17", "0928000000000006", f"HH-{bsns[7]}", "GM0928"])
    rows.append([bsns[8], "1980-05-17", "0928000000000007", bsns[9], "GM0928"])
    rows.append([bsns[10][:-1] + str((int(bsns[10][-1]) + 1) % 10), "1980-05-17",
                 "0928000000000008", "HH-8", "GM0928"])  # fails the elfproef: still a BSN field
    rows.append([bsns[11], "1980-13-45", "0928000000000009", "HH-9", "GM0928"])
    rows.append([bsns[5], "1980-05-17", "0928000000000010"])  # too few fields
    path = write(tmp_path, "brp_persons__GM0928__2017.csv", BRP_HEADER, rows)
    result = load_file(intake_db, path)
    assert (result.rows_in, result.rows_loaded, result.rows_quarantined) == (11, 6, 5)
    text = "\n".join(f"{line} {reason}" for line, reason in query(
        intake_db, "select original_line, q.reason from raw.quarantine q join raw.deliveries d "
        "using (delivery_id) where d.file_name = %s", (path.name,)))
    plain = [*bsns, rows[8][0]]
    assert [bsn for bsn in plain if bsn in text] == []
    assert "bsn is not a valid BSN (elfproef)" in text
    assert text.count("household_id holds a 9-digit number that passes the elfproef") == 2
    assert "HH-" + pseudonymise(bsns[7], intake_db.pseudonym_key) in text
    assert pseudonymise(rows[8][0], intake_db.pseudonym_key) in text  # the invalid BSN too

    headerless = write(tmp_path, "brp_persons__GM0928__2018.csv", rows[0], rows[1:6])
    with pytest.raises(DeliveryRefused) as refusal:
        load_file(intake_db, headerless)
    assert "unexpected column" in str(refusal.value)
    reasons = " ".join(refusals(intake_db, headerless) + [str(refusal.value)])
    assert [bsn for bsn in plain if bsn in reasons] == []


def test_a_pg_dump_and_the_expectations_folder_hold_no_plain_bsn(intake_db, tmp_path,
                                                                 monkeypatch):
    """Deliveries with bad rows in BSN sources (and one failing its suite) through the real
    command line, which also writes Data Docs."""
    from typer.testing import CliRunner

    from straatkubus.cli import app

    bsns = valid_bsns(70, start=35_000_000)
    folder = tmp_path / "deliveries"
    folder.mkdir()
    rows = brp_rows(bsns[:30], "GM0899")
    rows += [[bsns[30], "1980-05-17", "0899000000000030", bsns[31], "GM0899"],
             [bsns[32], "1980-05-17", "0899000000000031", "HH-31", "GM0917"],
             [bsns[33], "2999-01-01", "0899000000000032", "HH-32", "GM0899"],
             [bsns[34], "1980-05-17"]]
    write(folder, "brp_persons__GM0899__2018.csv", BRP_HEADER, rows)
    write(folder, "social_assistance__GM0899__2018.csv",
          ["bsn", "municipality_code", "benefit_type", "start_date", "end_date"],
          [[b, "GM0899", "ioaw", "2017-03-01", ""] for b in bsns[35:50]]
          + [[bsns[50], "GM0899", "ioaw", "2019-03-01", ""],
             [bsns[51] + "0", "GM0899", "ioaw", "2017-03-01", ""]])
    # one household for everybody: fails the suite's plausibility check
    write(folder, "brp_persons__GM0899__2017.csv", BRP_HEADER,
          [[b, "1980-05-17", f"0899{i:012d}", "HH-1", "GM0899"] for i, b in enumerate(bsns[52:])])
    monkeypatch.setenv("STRAATKUBUS_PG_DATABASE", intake_db.pg_database)
    monkeypatch.setenv("STRAATKUBUS_PSEUDONYM_KEY", intake_db.pseudonym_key)
    output = CliRunner().invoke(app, ["load", str(folder)]).output
    output += CliRunner().invoke(app, ["validate", str(folder)]).output
    assert "rows in 34 = loaded 30 + quarantined 4" in output
    assert "expect_column_proportion_of_unique_values_to_be_between" in output
    assert [b for b in bsns if b in output] == []

    env = {**os.environ, "PGPASSWORD": intake_db.pg_password}
    dump = subprocess.run([PG_DUMP, "-h", intake_db.pg_host, "-p", str(intake_db.pg_port), "-U",
                           intake_db.pg_user, intake_db.pg_database], env=env, check=True,
                          capture_output=True, text=True).stdout
    assert "raw.quarantine" in dump and len(dump) > 10_000
    assert [b for b in bsns if b in dump] == []
    files = [p for p in (REPO / "expectations").rglob("*") if p.is_file()]
    assert any("validations" in p.parts for p in files)
    leaks = [(p, b) for p in files for b in bsns if b.encode() in p.read_bytes()]
    assert leaks == []


def test_a_short_or_different_pseudonym_key_is_refused(intake_db, tmp_path):
    from straatkubus.ingest.bsn import key_fingerprint

    first = write(tmp_path, "brp_persons__GM0965__2019.csv", BRP_HEADER,
                  brp_rows(valid_bsns(5, start=36_000_000), "GM0965"))
    assert load_file(intake_db, first).outcome == "loaded"
    assert query(intake_db, "select key_fingerprint from raw.deliveries where file_name = %s",
                 (first.name,)) == [(key_fingerprint(intake_db.pseudonym_key),)]
    with pytest.raises(ValueError, match="at least 32"):
        load_file(dataclasses.replace(intake_db, pseudonym_key="short-key"), first)
    other = write(tmp_path, "brp_persons__GM0965__2020.csv", BRP_HEADER,
                  brp_rows(valid_bsns(5, start=36_100_000), "GM0965"))
    (result,) = list(load_files(dataclasses.replace(intake_db, pseudonym_key="k" * 40), [other]))
    assert "pseudonym key differs" in str(result)
    assert len(refusals(intake_db, other)) == 1 and loaded_rows(intake_db, other) == 0


def _holders(settings) -> int:
    return query(settings, "select count(*) from pg_locks where locktype = 'advisory' "
                 "and granted")[0][0]


def test_two_loads_at_once_wait_for_each_other(intake_db, tmp_path):
    big = write(tmp_path, "brp_persons__GM0899__2000.csv", BRP_HEADER,
                brp_rows(valid_bsns(120_000, start=40_000_000), "GM0899"))
    small = write(tmp_path, "brp_persons__GM0882__2000.csv", BRP_HEADER,
                  brp_rows(valid_bsns(5, start=37_000_000), "GM0882"))
    env = {**os.environ, "STRAATKUBUS_PG_DATABASE": intake_db.pg_database,
           "STRAATKUBUS_PSEUDONYM_KEY": intake_db.pseudonym_key}

    def straatkubus(*args: str) -> subprocess.Popen:
        return subprocess.Popen([sys.executable, "-m", "straatkubus.cli", *args], env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    first = straatkubus("load", str(big))
    deadline = time.monotonic() + 60
    while _holders(intake_db) == 0 and first.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert first.poll() is None, "the first load ended before it could be raced"
    second = straatkubus("load", str(small))
    out, err = second.communicate(timeout=300)
    assert second.returncode == 0, err
    assert first.poll() is not None, "the second load did not wait for the first"
    assert first.wait() == 0
    assert "waiting for another straatkubus load or build" in err
    assert query(intake_db, "select file_name from raw.deliveries where file_name in %s order "
                 "by delivery_id", ((big.name, small.name),)) == [(big.name,), (small.name,)]


def test_a_build_waits_for_a_load(intake_db):
    from straatkubus.cli import one_at_a_time

    env = {**os.environ, "STRAATKUBUS_PG_DATABASE": intake_db.pg_database}
    with one_at_a_time(intake_db, "load"):
        build = subprocess.Popen([sys.executable, "-m", "straatkubus.cli", "build", "--select",
                                  "no_such_model"], env=env, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True)
        time.sleep(5)
        assert build.poll() is None
    out, err = build.communicate(timeout=300)
    assert "waiting for another straatkubus load or build" in err


def test_quarantined_rows_and_validation_results_are_kept_for_the_retention_period(
        intake_db, tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from straatkubus.cli import app
    from straatkubus.ingest.validate import DATA_DOCS, GX_DIR

    def quarantined(sender: str) -> int:
        return query(intake_db, "select count(*) from raw.quarantine join raw.deliveries "
                     "using (delivery_id) where sender = %s", (sender,))[0][0]

    def straatkubus(*args: str) -> str:
        result = CliRunner().invoke(app, list(args))
        assert result.exit_code == 0, result.output
        return result.output

    bsns = valid_bsns(26, start=38_000_000)
    rows = brp_rows(bsns[:25], "GM1954") + [[bsns[25], "2999-01-01", "1954000000000099",
                                             "HH-99", "GM1954"]]
    path = write(tmp_path, "brp_persons__GM1954__2024.csv", BRP_HEADER, rows)
    assert load_file(intake_db, path).rows_quarantined == 1
    write(tmp_path, path.name, BRP_HEADER, rows[1:])  # a correction: its predecessor's go
    assert load_file(intake_db, path).outcome == "replaced"
    assert quarantined("GM1954") == 1
    other = write(tmp_path, "brp_persons__GM1954__2023.csv", BRP_HEADER, rows)
    assert load_file(intake_db, other).rows_quarantined == 1

    monkeypatch.setenv("STRAATKUBUS_PG_DATABASE", intake_db.pg_database)
    monkeypatch.setenv("STRAATKUBUS_PSEUDONYM_KEY", intake_db.pseudonym_key)
    straatkubus("validate", str(other))
    results = GX_DIR / "uncommitted" / "validations"
    pages = DATA_DOCS.parent / "validations"
    kept = (sorted(results.rglob("*.json")), sorted(pages.rglob("*.html")))
    assert kept[0] and kept[1]
    conn = psycopg2.connect(intake_db.dsn())
    with conn, conn.cursor() as cur:  # the first correction's delivery is two days old
        cur.execute("update raw.deliveries set loaded_at = now() - interval '2 days' where "
                    "file_name = %s", (path.name,))
    conn.close()
    assert "removed 1 quarantined row(s)" in straatkubus("prune", "--days", "1")
    assert quarantined("GM1954") == 1  # the other delivery's, loaded today
    assert (sorted(results.rglob("*.json")), sorted(pages.rglob("*.html"))) == kept
    straatkubus("prune", "--days", "0")
    assert quarantined("GM1954") == 0
    assert list(results.rglob("*.json")) == [] and list(pages.rglob("*.html")) == []
