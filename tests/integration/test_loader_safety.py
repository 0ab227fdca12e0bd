"""The loader under corrections and a hard kill: the warehouse is never half-loaded."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import psycopg2

from straatkubus.generate import generate
from straatkubus.load import load_file


def counts(settings, source: str, period: str):
    conn = psycopg2.connect(settings.dsn())
    try:
        with conn.cursor() as cur:
            cur.execute(f"select count(*) from raw.{source} where delivery_period = %s", (period,))
            rows = cur.fetchone()[0]
            cur.execute("select count(*), count(*) filter (where is_current) from raw.deliveries "
                        "where source = %s and period = %s", (source, period))
            return rows, *cur.fetchone()
    finally:
        conn.close()


def test_a_correction_replaces_the_previous_delivery_and_keeps_its_history(warehouse, tmp_path):
    first = tmp_path / "bag_addresses__GM0986__2019.csv"
    header = "address_id,postcode,house_number,municipality_code,use,longitude,latitude\n"
    first.write_text(header + "".join(
        f"09862099990000{i:02d},6367AB,{i + 1},GM0986,woonfunctie,5.93,50.88\n" for i in range(10)))
    assert load_file(warehouse, first).outcome == "loaded"
    assert counts(warehouse, "bag_addresses", "2019") == (10, 1, 1)

    first.write_text(header + "".join(
        f"09862099990000{i:02d},6367AB,{i + 1},GM0986,woonfunctie,5.93,50.88\n" for i in range(7)))
    assert load_file(warehouse, first).outcome == "replaced"
    assert counts(warehouse, "bag_addresses", "2019") == (7, 2, 1)


def test_killing_the_loader_mid_load_leaves_the_warehouse_as_it_was(warehouse, tmp_path):
    generate(warehouse.shared_data_dir, tmp_path, scale=1.0, seed=99, year=2018)
    big = tmp_path / "brp_persons__GM0917__2018.csv"
    before = counts(warehouse, "brp_persons", "2018")
    env = {**os.environ, "STRAATKUBUS_PSEUDONYM_KEY": warehouse.pseudonym_key}
    loader = subprocess.Popen(
        [sys.executable, "-m", "straatkubus.cli", "load", str(big), "--skip-validation"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    conn = psycopg2.connect(warehouse.dsn())
    conn.autocommit = True
    try:
        deadline = time.monotonic() + 60
        writing = False
        while time.monotonic() < deadline and loader.poll() is None and not writing:
            with conn.cursor() as cur:  # wait until the loader's transaction is writing rows
                cur.execute("select count(*) from pg_stat_activity where state <> 'idle' "
                            "and (query ilike 'copy incoming%%' or query ilike 'insert into raw.%%')")
                writing = cur.fetchone()[0] > 0
            time.sleep(0.01)
        assert writing, "the loader never reached its write phase"
        os.killpg(loader.pid, signal.SIGKILL)
        loader.wait()
    finally:
        conn.close()
    time.sleep(1)  # the server notices the dropped connection and rolls back
    assert counts(warehouse, "brp_persons", "2018") == before
