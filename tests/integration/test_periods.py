"""Honest periods: a year is built for a municipality once its register deliveries are
complete; until then `straatkubus build` says what it waits for and builds all else, and
event rates of the year take the latest complete register year as denominator, saying so
(in a warehouse database of its own)."""

from __future__ import annotations

from conftest import TEST_SCALE, TEST_SEED, deliver_month, query
from conftest import run_cli as straatkubus

HEERLEN = "GM0917"


def test_event_rates_of_a_year_without_registers_use_the_last_complete_year(own_warehouse):
    deliver_month(own_warehouse, "2025-01")
    output = straatkubus("build")
    assert output.startswith("incremental build of 2025 ")

    # all of Parkstad: every event rate of 2025 is published (its group is Parkstad's)
    withheld = query(own_warehouse, """
        select f.period_code, f.indicator_code, f.suppression_reason
        from marts.fct_area_indicators as f
        inner join marts.dim_indicators as i on f.indicator_code = i.indicator_code
        where
            f.area_level = 'regio' and f.period_year = 2025 and i.is_event
            and i.unit = 'per 1000' and f.is_suppressed
    """)
    assert withheld == [], withheld

    # every event rate of 2025 and of 2025-01 beside the same rate of 2024, per area
    cells = query(own_warehouse, """
        select
            new.area_level, new.area_code, new.period_code, new.indicator_code,
            new.is_suppressed, new.suppression_reason, new.denominator_note,
            new.denominator, new.value, new.numerator,
            old.denominator, old.is_suppressed
        from marts.fct_area_indicators as new
        inner join marts.dim_indicators as i on new.indicator_code = i.indicator_code
        left join marts.fct_area_indicators as old
            on
                old.area_level = new.area_level and old.area_code = new.area_code
                and old.municipality_code is not distinct from new.municipality_code
                and old.indicator_code = new.indicator_code and old.period_code = '2024'
        where new.period_year = 2025 and i.is_event and i.unit = 'per 1000'
    """)
    assert cells, "no event rates of 2025"
    regio = [cell for cell in cells if cell[0] == "regio"]
    assert {cell[2] for cell in regio} == {"2025", "2025-01"}
    for (level, area, period, indicator, suppressed, reason, note, denominator, value,
         numerator, old_denominator, old_suppressed) in cells:
        where = f"{level} {area} {period} {indicator}"
        # the note names the register and the year of the denominator
        assert note is not None and note.startswith(("Noemer: BRP 2024 ", "Noemer: BAG 2024 ")), where
        if not suppressed:
            assert abs(value - 1000 * numerator / denominator) <= 0.05, where
            if not old_suppressed:
                assert denominator == old_denominator, where
        elif reason.startswith("Minder dan"):
            # a group too small is too small in 2024 too, where the denominator comes from
            assert old_suppressed, where
    # nothing of the registers is published for 2025: no register indicator at all
    assert query(own_warehouse, """
        select count(*) from marts.fct_area_indicators as f
        inner join marts.dim_indicators as i on f.indicator_code = i.indicator_code
        where f.period_year = 2025 and not i.is_event
    """) == [(0,)]
    # and the build says what 2025 waits for
    assert "waiting for 2025: " in output and "brp_persons" in output


def test_an_early_register_delivery_waits_for_the_others(own_warehouse, tmp_path):
    """Heerlen's BRP of 2025 arrives before its BAG and the other registers of 2025."""
    straatkubus("generate", "--scale", str(TEST_SCALE), "--seed", str(TEST_SEED),
                "--years", "2025", "--out", str(tmp_path))
    brp = tmp_path / f"brp_persons__{HEERLEN}__2025.csv"
    assert "loaded" in straatkubus("load", str(brp))
    output = straatkubus("build")
    assert output.startswith("full build (new deliveries of brp_persons)")
    waits = [line for line in output.splitlines() if line.startswith("waiting for 2025: ")]
    heerlen = [line for line in waits if f"Heerlen ({HEERLEN})" in line]
    assert len(heerlen) == 1 and "bag_addresses" in heerlen[0], output
    assert "brp_persons" not in heerlen[0], heerlen[0]

    # nothing of Heerlen's 2025 registers is published, in any mart; whatever 2025 rates
    # there are take their denominator from 2024
    for mart in ("fct_area_indicators", "fct_area_signals"):
        assert query(own_warehouse, f"""
            select count(*) from marts.{mart} as f
            inner join marts.dim_indicators as i on f.indicator_code = i.indicator_code
            where
                f.period_year = 2025 and (f.municipality_code = %s or f.area_level = 'regio')
                and not i.is_event
        """, (HEERLEN,)) == [(0,)], mart
    assert query(own_warehouse, """
        select count(*) from marts.fct_area_indicators as f
        inner join marts.dim_indicators as i on f.indicator_code = i.indicator_code
        where
            f.period_year = 2025 and f.municipality_code = %s and i.unit = 'per 1000'
            and coalesce(f.denominator_note, '') not like 'Noemer: %% 2024 %%'
    """, (HEERLEN,)) == [(0,)]
    # the complete years are built as before
    assert query(own_warehouse, """
        select count(distinct period_year) from marts.fct_area_indicators
        where municipality_code = %s and indicator_code = 'inwoners'
    """, (HEERLEN,)) == [(3,)]


def test_dashboards_open_on_the_newest_complete_year(own_warehouse):
    """(After the tests above: 2025 has events and an early BRP, no complete registers.)
    The deploy pins a "first item" year filter to the newest year complete in Parkstad."""
    from straatkubus.publish.superset.assets import _pin_first_item_defaults

    assert query(own_warehouse, "select max(period_year) from marts.fct_area_signals") == [(2025,)]
    year_filter = {"name": "Jaar", "filterType": "filter_select",
                   "controlValues": {"defaultToFirstItem": True, "sortAscending": False},
                   "targets": [{"datasetUuid": "signals", "column": {"name": "period_year"}}]}
    config = {"metadata": {"native_filter_configuration": [year_filter]}}
    _pin_first_item_defaults(config, {"signals": ("marts", "fct_area_signals")}, own_warehouse)
    assert year_filter["defaultDataMask"]["filterState"]["value"] == [2024]
