"""Bad input as municipalities really send it, loaded into a real PostgreSQL.

Each case is a hand-made delivery; every test checks the reason given and that rows in =
loaded + quarantined, in the manifest and in the tables themselves. The deliveries go to a
database of their own, so the warehouse the other tests read is never touched.
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import psycopg2
import pytest
from conftest import query

from straatkubus.ingest.intake import DeliveryRefused
from straatkubus.ingest.load import LoadResult, load_file, load_files
from straatkubus.ingest.validate import ValidationFailed

BRP_HEADER = ["bsn", "birth_date", "address_id", "household_id", "municipality_code"]
TENANCY_HEADER = ["tenancy_id", "municipality_code", "postcode", "house_number",
                  "months_in_arrears", "eviction_date"]
POLICE_HEADER = ["incident_id", "municipality_code", "incident_type", "incident_date", "postcode"]


def valid_bsns(count: int, start: int = 10_000_000) -> list[str]:
    """9-digit numbers passing the elfproef (computed here, independently of the loader)."""
    stems = np.arange(start, start + count * 2)
    digits = (stems[:, None] // 10 ** np.arange(7, -1, -1)) % 10
    check = (digits @ np.arange(9, 1, -1)) % 11
    return [f"{s}{c}" for s, c in zip(stems[check < 10][:count], check[check < 10][:count],
                                        strict=True)]


BSNS = valid_bsns(40)


def brp_row(i: int, **changes: str) -> list[str]:
    row = dict(bsn=BSNS[i], birth_date="1980-05-17", address_id=f"09172000000000{i:02d}",
               household_id=f"HH-{i}", municipality_code="GM0917")
    return list({**row, **changes}.values())


def write(folder: Path, name: str, header: list[str], rows: list[list[str]], *, sep: str = ",",
          encoding: str = "utf-8") -> Path:
    path = folder / name
    text = "\r\n".join(sep.join(line) for line in [header, *rows]) + "\r\n"
    path.write_bytes(text.encode(encoding))
    return path


def load_balanced(settings, path: Path):
    """Load a delivery and check rows in = loaded + quarantined everywhere; return the
    loaded rows' ids and the quarantine reasons by line."""
    result = load_file(settings, path)
    assert result.rows_in == result.rows_loaded + result.rows_quarantined
    (delivery_id, rows_in, loaded, quarantined), = query(
        settings, "select delivery_id, rows_in, rows_loaded, rows_quarantined "
        "from raw.deliveries where file_name = %s and is_current", (path.name,))
    assert (rows_in, loaded, quarantined) == (result.rows_in, result.rows_loaded,
                                              result.rows_quarantined)
    source = path.name.split("__")[0]
    (in_table,), = query(settings, f"select count(*) from raw.{source} where delivery_id = %s",
                         (delivery_id,))
    reasons = dict(query(settings, "select line_number, reason from raw.quarantine "
                         "where delivery_id = %s", (delivery_id,)))
    assert in_table == loaded and len(reasons) == quarantined
    return delivery_id, reasons


def test_utf8_with_bom_semicolons_and_decimal_commas_are_read(intake_db, tmp_path):
    path = write(tmp_path, "household_income__GM0917__2024.csv",
                 ["bsn", "municipality_code", "income_pct_social_minimum"],
                 [[BSNS[0], "GM0917", "123,5"], [BSNS[1], "gm0917", "1.234,5"],
                  [BSNS[2], "GM0917", "98"]], sep=";", encoding="utf-8-sig")
    delivery_id, reasons = load_balanced(intake_db, path)
    assert reasons == {}
    stored = query(intake_db, "select income_pct_social_minimum::float8, municipality_code from "
                   "raw.household_income where delivery_id = %s order by 1", (delivery_id,))
    assert stored == [(98.0, "GM0917"), (123.5, "GM0917"), (1234.5, "GM0917")]


def test_windows_1252_is_decoded_and_bsns_never_stored(intake_db, tmp_path):
    rows = [brp_row(i, household_id=f"HH-Geleën-{i}") for i in range(6)]
    path = write(tmp_path, "brp_persons__GM0917__2024.csv", BRP_HEADER, rows, encoding="cp1252")
    delivery_id, reasons = load_balanced(intake_db, path)
    assert reasons == {}
    stored = query(intake_db, "select household_id, bsn_pseudonym from raw.brp_persons "
                   "where delivery_id = %s order by household_id", (delivery_id,))
    assert stored[0][0] == "HH-Geleën-0"
    assert all(len(pseudonym) == 64 and pseudonym not in BSNS for _, pseudonym in stored)


def test_postcodes_are_normalised_or_quarantined(intake_db, tmp_path):
    rows = [["WEL-1", "GM0917", " 6411 ab", "1", "0", ""],
            ["WEL-2", "GM0917", "0123AB", "2", "0", ""],
            ["WEL-3", "GM0917", "6411SS", "3", "0", ""],
            ["WEL-4", "GM0917", "1012AB", "4", "0", ""]]
    path = write(tmp_path, "corporation_tenancies__weller__2024.csv", TENANCY_HEADER, rows)
    delivery_id, reasons = load_balanced(intake_db, path)
    assert query(intake_db, "select postcode from raw.corporation_tenancies "
                 "where delivery_id = %s", (delivery_id,)) == [("6411AB",)]
    assert "'0123AB' is not a valid Dutch postcode" in reasons[3]
    assert "'6411SS' is not a valid Dutch postcode" in reasons[4]
    assert "'1012AB' lies outside the municipalities in scope" in reasons[5]


def test_dates_in_the_future_outside_the_period_or_invalid_are_quarantined(intake_db, tmp_path):
    rows = [["PL2024-03-1", "GM0917", "geweld", "2024-03-05", "6411AB"],
            ["PL2024-03-2", "GM0917", "geweld", "15-03-2024", "6411AB"],
            ["PL2024-03-3", "GM0917", "geweld", "2024-04-02", "6411AB"],
            ["PL2024-03-4", "GM0917", "geweld", "2030-03-01", "6411AB"],
            ["PL2024-03-5", "GM0917", "geweld", "2024-02-30", "6411AB"]]
    path = write(tmp_path, "police_incidents__politie__2024-03.csv", POLICE_HEADER, rows)
    delivery_id, reasons = load_balanced(intake_db, path)
    assert query(intake_db, "select incident_date::text from raw.police_incidents where "
                 "delivery_id = %s order by 1", (delivery_id,)) == [("2024-03-05",), ("2024-03-15",)]
    assert reasons[4] == "incident_date 2024-04-02 lies outside the period 2024-03"
    assert reasons[5] == "incident_date 2030-03-01 lies in the future"
    assert reasons[6] == "incident_date '2024-02-30' is not a date (yyyy-mm-dd)"


def test_a_birth_date_after_the_reference_date_is_quarantined(intake_db, tmp_path):
    rows = [brp_row(i) for i in range(4)] + [brp_row(4, birth_date="2024-06-01")]
    path = write(tmp_path, "brp_persons__GM0917__2024.csv", BRP_HEADER, rows)
    _, reasons = load_balanced(intake_db, path)
    assert reasons == {6: "birth_date 2024-06-01 lies after the period's reference date "
                          "2024-01-01"}


def test_negative_counts_are_quarantined(intake_db, tmp_path):
    rows = [["6411AB", "GM0917", "20", "2", "61234,50"], ["6411AC", "GM0917", "-3", "0", "10"]]
    path = write(tmp_path, "care_consumption__cz__2024.csv",
                 ["postcode", "municipality_code", "insured_persons", "mental_health_clients",
                  "care_costs_eur"], rows, sep=";")
    _, reasons = load_balanced(intake_db, path)
    assert reasons == {3: "insured_persons -3 is negative"}


def test_duplicates_keep_the_first_and_quarantine_the_rest(intake_db, tmp_path):
    rows = [["PL2024-1", "GM0917", "geweld", "2024-03-05", "6411AB"],
            ["PL2024-1", "GM0917", "vernieling", "2024-03-06", "6411AB"]]
    path = write(tmp_path, "police_incidents__politie__2024.csv", POLICE_HEADER, rows)
    _, reasons = load_balanced(intake_db, path)
    assert reasons == {3: "duplicate of line 2 (same incident_id)"}


def test_a_bsn_in_a_field_that_should_not_hold_one_is_quarantined(intake_db, tmp_path):
    rows = [brp_row(i) for i in range(4)] + [brp_row(4, household_id=BSNS[30])]
    path = write(tmp_path, "brp_persons__GM0917__2023.csv", BRP_HEADER, rows)
    delivery_id, reasons = load_balanced(intake_db, path)
    assert "household_id holds a 9-digit number that passes the elfproef" in reasons[6]
    assert query(intake_db, "select count(*) from raw.quarantine where delivery_id = %s and "
                 "original_line like %s", (delivery_id, f"%{BSNS[30]}%")) == [(0,)]


def test_an_invalid_bsn_is_quarantined(intake_db, tmp_path):
    rows = [brp_row(i) for i in range(4)] + [brp_row(4, bsn="123456789")]
    path = write(tmp_path, "brp_persons__GM0917__2022.csv", BRP_HEADER, rows)
    _, reasons = load_balanced(intake_db, path)
    assert reasons == {6: "bsn is not a valid BSN (elfproef)"}


def test_records_of_another_municipality_are_quarantined(intake_db, tmp_path):
    rows = [brp_row(i) for i in range(4)] + [brp_row(4, municipality_code="GM0928")]
    path = write(tmp_path, "brp_persons__GM0917__2021.csv", BRP_HEADER, rows)
    _, reasons = load_balanced(intake_db, path)
    assert reasons == {6: "municipality_code 'GM0928' is not a municipality sender GM0917 may "
                          "deliver for"}
    # A partner may deliver for the municipalities it declared, and no others.
    rows = [["WEL-1", "GM0899", "6441AB", "1", "0", ""], ["WEL-2", "GM0965", "6369AB", "1", "0", ""]]
    path = write(tmp_path, "corporation_tenancies__weller__2023.csv", TENANCY_HEADER, rows)
    _, reasons = load_balanced(intake_db, path)
    assert list(reasons) == [3] and "'GM0965' is not a municipality sender weller" in reasons[3]


@pytest.mark.parametrize(("name", "header", "message"), [
    ("brp_persons__GM0917__2024.csv", BRP_HEADER[:-1], "missing column 'municipality_code'"),
    ("brp_persons__GM0917__2024.csv", [*BRP_HEADER, "naam"], "unexpected column 'naam'"),
    ("police_incidents__buurtapp__2024.csv", POLICE_HEADER, "'buurtapp' is not a partner"),
    ("brp_persons__GM0363__2024.csv", BRP_HEADER, "'GM0363' is not a municipality in scope"),
])
def test_a_delivery_with_wrong_columns_or_sender_is_refused_whole(intake_db, tmp_path, name,
                                                                   header, message):
    rows = [brp_row(i)[:len(header)] + ["x"] * (len(header) - 5) for i in range(3)]
    path = write(tmp_path, name, header, rows)
    source = name.split("__")[0]
    before = query(intake_db, f"select count(*) from raw.{source}")
    for _ in range(2):  # a rerun of the refused file is recorded once
        with pytest.raises(DeliveryRefused, match=message):
            load_file(intake_db, path)
    checksum = hashlib.sha256(path.read_bytes()).hexdigest()
    assert query(intake_db, "select count(*) from raw.deliveries where sha256 = %s and "
                 "outcome = 'refused'", (checksum,)) == [(1,)]
    assert query(intake_db, f"select count(*) from raw.{source}") == before


def test_an_implausible_delivery_fails_its_suite_and_loads_nothing(intake_db, tmp_path):
    rows = [[f"09172000000000{i:02d}", "GM0917", "2023-01-01", "1500"] for i in range(5)]
    path = write(tmp_path, "woz_values__GM0917__2024.csv",
                 ["address_id", "municipality_code", "valuation_date", "woz_value"], rows)
    with pytest.raises(ValidationFailed, match="expect_column_mean_to_be_between on column "
                                               "'woz_value'"):
        load_file(intake_db, path)
    assert query(intake_db, "select count(*) from raw.woz_values") == [(0,)]


def test_the_same_file_again_changes_nothing_and_a_correction_replaces(intake_db, tmp_path):
    path = write(tmp_path, "brp_persons__GM0986__2024.csv", BRP_HEADER,
                 [brp_row(i, municipality_code="GM0986") for i in range(10)])
    assert load_file(intake_db, path).outcome == "loaded"
    before = query(intake_db, "select count(*) from raw.deliveries")
    assert load_file(intake_db, path).outcome == "unchanged"
    assert query(intake_db, "select count(*) from raw.deliveries") == before

    path = write(tmp_path, path.name, BRP_HEADER,
                 [brp_row(i, municipality_code="GM0986") for i in range(7)])
    assert load_file(intake_db, path).outcome == "replaced"
    assert query(intake_db, "select count(*), count(*) filter (where is_current) from "
                 "raw.deliveries where file_name = %s", (path.name,)) == [(2, 1)]
    assert query(intake_db, "select count(*) from raw.brp_persons where delivery_sender = "
                 "'GM0986'") == [(7,)]


def test_killing_the_loader_mid_load_leaves_the_warehouse_as_it_was(intake_db, tmp_path):
    """A real kill -9 of the command line while it writes a large delivery."""
    rows = [brp_row(0, bsn=bsn, address_id=f"0917{i:012d}", household_id=f"HH-{i // 2}")
            for i, bsn in enumerate(valid_bsns(300_000, start=20_000_000))]
    big = write(tmp_path, "brp_persons__GM0917__2020.csv", BRP_HEADER, rows)
    before = query(intake_db, "select (select count(*) from raw.brp_persons), "
                   "(select count(*) from raw.deliveries), (select count(*) from raw.quarantine)")
    env = {**os.environ, "STRAATKUBUS_PG_DATABASE": intake_db.pg_database,
           "STRAATKUBUS_PSEUDONYM_KEY": intake_db.pseudonym_key}
    loader = subprocess.Popen([sys.executable, "-m", "straatkubus.cli", "load", str(big)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              start_new_session=True)
    conn = psycopg2.connect(intake_db.dsn())
    conn.autocommit = True
    try:
        deadline = time.monotonic() + 120
        writing = False
        while time.monotonic() < deadline and loader.poll() is None and not writing:
            with conn.cursor() as cur:  # wait until the loader's transaction is writing rows
                cur.execute("select count(*) from pg_stat_activity where state <> 'idle' and "
                            "query ilike 'copy raw.%%'")
                writing = cur.fetchone()[0] > 0
            time.sleep(0.005)
        assert writing, "the loader never reached its write phase"
        os.killpg(loader.pid, signal.SIGKILL)
        loader.wait()
    finally:
        conn.close()
    time.sleep(1)  # the server notices the dropped connection and rolls back
    after = query(intake_db, "select (select count(*) from raw.brp_persons), "
                  "(select count(*) from raw.deliveries), (select count(*) from raw.quarantine)")
    assert after == before


def test_a_folder_is_loaded_in_order_with_refusals_reported_and_a_rerun_changes_nothing(
        intake_db, tmp_path):
    """`load_files` (worker processes reading ahead) gives each delivery what `load_file`
    would: loaded, refused with its recorded reason, unchanged on a rerun."""
    good = [write(tmp_path, f"brp_persons__GM0899__{year}.csv", BRP_HEADER,
                  [brp_row(i, municipality_code="GM0899") for i in range(rows)])
            for year, rows in ((2019, 4), (2020, 5), (2021, 6))]
    refused = write(tmp_path, "brp_persons__GM0363__2021.csv", BRP_HEADER, [brp_row(0)])
    implausible = write(tmp_path, "woz_values__GM0899__2019.csv",
                        ["address_id", "municipality_code", "valuation_date", "woz_value"],
                        [[f"08992000000000{i:02d}", "GM0899", "2018-01-01", "1500"]
                         for i in range(5)])
    paths = [good[0], refused, good[1], implausible, good[2]]

    results = list(load_files(intake_db, paths, workers=2))
    assert [type(r).__name__ for r in results] == ["LoadResult", "DeliveryRefused", "LoadResult",
                                                   "ValidationFailed", "LoadResult"]
    assert [r.outcome for r in results if isinstance(r, LoadResult)] == ["loaded"] * 3
    assert "expect_column_mean_to_be_between on column 'woz_value'" in str(results[3])
    assert query(intake_db, "select period, rows_loaded from raw.deliveries where sender = "
                 "'GM0899' and is_current order by delivery_id") == [
        ("2019", 4), ("2020", 5), ("2021", 6)]
    assert query(intake_db, "select count(*) from raw.deliveries where outcome = 'refused' "
                 "and file_name in %s", ((refused.name, implausible.name),)) == [(2,)]

    before = query(intake_db, "select count(*), max(delivery_id) from raw.deliveries")
    again = list(load_files(intake_db, paths, workers=2))
    assert [r.outcome for r in again if isinstance(r, LoadResult)] == ["unchanged"] * 3
    assert [type(r) for r in again] == [type(r) for r in results]
    assert query(intake_db, "select count(*), max(delivery_id) from raw.deliveries") == before
