from datetime import date
from pathlib import Path

import pytest

from straatkubus.ingest import contracts as c
from straatkubus.ingest.bsn import pseudonymise
from straatkubus.ingest.contracts import CONTRACTS, PARTNERS, parse_delivery_name
from straatkubus.settings import MUNICIPALITIES


def test_delivery_names_carry_source_sender_and_period():
    name = parse_delivery_name(Path("brp_persons__GM0917__2024.csv"))
    assert (name.source, name.sender, name.period) == ("brp_persons", "GM0917", "2024")
    assert (name.start, name.end) == (date(2024, 1, 1), date(2024, 12, 31))
    month = parse_delivery_name(Path("police_incidents__politie__2024-02.csv"))
    assert (month.start, month.end) == (date(2024, 2, 1), date(2024, 2, 29))


@pytest.mark.parametrize("bad", ["persons.csv", "brp_persons__GM0917.csv", "nope__GM0917__2024.csv",
                                 "brp_persons__GM0917__2024-03.csv", "police_incidents__politie__2024-13.csv"])
def test_badly_named_deliveries_are_refused_with_the_expected_form(bad):
    with pytest.raises(ValueError, match="<source>__<sender>__<period>|unknown source|per year|not a month"):
        parse_delivery_name(Path(bad))


def test_every_contract_names_its_municipality_key_and_known_roles():
    roles = {"", c.BSN, c.POSTCODE, c.MUNICIPALITY, c.PAST_DATE, c.EVENT_DATE, c.START_DATE, c.END_DATE}
    for contract in CONTRACTS.values():
        assert contract.municipality_column in contract.column_names
        assert set(contract.key) <= set(contract.column_names)
        assert {column.role for column in contract.columns} <= roles


def test_every_partner_source_has_a_declared_partner_within_parkstad():
    for contract in CONTRACTS.values():
        partners = [p for p in PARTNERS.values() if contract.source in p.sources]
        assert bool(partners) == (contract.sender == "partner"), contract.source
    for partner in PARTNERS.values():
        assert set(partner.municipalities) <= set(MUNICIPALITIES)


def test_stored_columns_never_include_a_bsn():
    for contract in CONTRACTS.values():
        stored = [column.name for column in contract.stored_columns()]
        assert "bsn" not in stored
        for column in contract.pseudonymise:
            assert f"{column}_pseudonym" in stored


def test_pseudonym_is_stable_keyed_and_not_the_bsn():
    a = pseudonymise("123456782", "key-one")
    assert a == pseudonymise(" 123456782 ", "key-one")
    assert a != pseudonymise("123456782", "key-two")
    assert "123456782" not in a and len(a) == 64


def test_the_documented_contracts_are_current():
    from straatkubus.ingest.contracts import markdown
    from straatkubus.settings import REPO

    assert (REPO / "docs" / "deliveries.md").read_text() == markdown(), \
        "run `straatkubus contracts --write`"


def test_the_dbt_sources_are_current():
    from straatkubus.ingest.dbt_sources import rendered
    from straatkubus.settings import REPO

    committed = set(REPO.glob("models/staging/*/_*__sources.yml"))
    files = rendered()
    assert committed == set(files), "run `straatkubus contracts --write`"
    for path, text in files.items():
        assert path.read_text() == text, f"{path}: run `straatkubus contracts --write`"


def test_the_dbt_sources_describe_the_raw_tables_as_they_are_made():
    """Every column of every raw table, in the loader's order, with the contract's key
    tested not null and its personal data tagged pii."""
    import re

    import yaml

    from straatkubus.ingest.dbt_sources import rendered
    from straatkubus.ingest.load import DELIVERY_COLUMNS, MANIFEST_DDL
    from straatkubus.ingest.reference import REFERENCE_DDL

    tables = {table["name"]: table for text in rendered().values()
              for source in yaml.safe_load(text)["sources"] for table in source["tables"]}
    for contract in CONTRACTS.values():
        columns = tables[contract.table]["columns"]
        stored = [column.name for column in contract.stored_columns()]
        assert [column["name"] for column in columns] == [*DELIVERY_COLUMNS, *stored]
        key = {f"{name}_pseudonym" if name in contract.pseudonymise else name
               for name in contract.key}
        assert {c["name"] for c in columns if "not_null" in c.get("data_tests", [])} == key
        assert all("pii" in c.get("tags", []) for c in columns if c["name"].endswith("_pseudonym"))
        assert all(c["description"].strip() for c in columns)
    ddl = dict(re.findall(r"create table if not exists raw\.(\w+) \((.*?)\n\);",
                          REFERENCE_DDL + MANIFEST_DDL, re.S))
    for name in ("cbs_pc4_areas", "cbs_wijken", "cbs_municipality_areas", "cbs_municipality_figures"):
        made = [line.split()[0] for line in ddl[name].strip().splitlines()
                if not line.strip().startswith("primary key")]
        assert [column["name"] for column in tables[name]["columns"]] == made, name
    made = {line.split()[0] for line in ddl["deliveries"].strip().splitlines()}
    assert {column["name"] for column in tables["deliveries"]["columns"]} <= made


def test_the_register_deliveries_seed_follows_the_contracts():
    """seeds/register_deliveries.csv (what a municipality's year waits for, in dbt) lists
    every yearly source of every municipality, from the municipality or each partner
    declared for it, and nothing else."""
    import csv

    from straatkubus.settings import REPO

    with (REPO / "seeds" / "register_deliveries.csv").open(newline="") as seed:
        listed = {(row["source"], row["sender"], row["municipality_code"]) for row in csv.DictReader(seed)}
    expected = set()
    for contract in CONTRACTS.values():
        if contract.monthly:
            continue
        for code in MUNICIPALITIES:
            senders = [code] if contract.sender == "municipality" else [
                p.code for p in PARTNERS.values() if contract.source in p.sources and code in p.municipalities]
            assert senders, (contract.source, code)
            expected |= {(contract.source, sender, code) for sender in senders}
    assert listed == expected
