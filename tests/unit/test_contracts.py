from pathlib import Path

import pytest

from straatkubus.contracts import CONTRACTS, parse_delivery_name
from straatkubus.load import pseudonymise


def test_delivery_names_carry_source_sender_and_period():
    name = parse_delivery_name(Path("brp_persons__GM0917__2024.csv"))
    assert (name.source, name.sender, name.period) == ("brp_persons", "GM0917", "2024")


@pytest.mark.parametrize("bad", ["persons.csv", "brp_persons__GM0917.csv", "nope__GM0917__2024.csv"])
def test_badly_named_deliveries_are_refused_with_the_expected_form(bad):
    with pytest.raises(ValueError, match="<source>__<sender>__<period>|unknown source"):
        parse_delivery_name(Path(bad))


def test_stored_columns_never_include_a_bsn():
    for contract in CONTRACTS.values():
        stored = [c.name for c in contract.stored_columns()]
        assert "bsn" not in stored
        for column in contract.pseudonymise:
            assert f"{column}_pseudonym" in stored


def test_pseudonym_is_stable_keyed_and_not_the_bsn():
    a = pseudonymise("123456782", "key-one")
    assert a == pseudonymise(" 123456782 ", "key-one")
    assert a != pseudonymise("123456782", "key-two")
    assert "123456782" not in a and len(a) == 64
