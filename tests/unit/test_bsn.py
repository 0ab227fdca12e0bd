"""The BSN module: elfproef, masking in free text, the key rules."""

import numpy as np
import pandas as pd
import pytest

from straatkubus.ingest.bsn import check_digit, check_key, elfproef, holds_bsn, key_fingerprint, mask, pseudonymise

KEY = "k" * 32


def test_mask_replaces_every_elfproef_number_however_written():
    text = "bsn 111222333; 123 456 782, 12.34.56.782 and 012345672 but not 123456789 or 1234567820"
    masked = mask(text, KEY)
    for bsn in ("111222333", "123 456 782", "12.34.56.782", "012345672"):
        assert bsn not in masked
    assert pseudonymise("123456782", KEY) in masked and pseudonymise("111222333", KEY) in masked
    assert "123456789" in masked and "1234567820" in masked


def test_a_bsn_anywhere_in_free_text_is_found_but_not_inside_other_numbers():
    values = pd.Series(["HH-123456782", "x", None, "111222333", "1234567820", "50.123456782",
                        "123456782,5", "a111222333b", "123456789"])
    assert holds_bsn(values).tolist() == [True, False, False, True, False, False, False, True,
                                          False]


def test_the_key_must_be_long_enough_and_its_fingerprint_tells_keys_apart():
    with pytest.raises(ValueError, match="at least 32"):
        check_key("k" * 31)
    check_key(KEY)
    assert key_fingerprint(KEY) == key_fingerprint(KEY) != key_fingerprint("j" * 32)
    assert KEY not in key_fingerprint(KEY)


def test_the_check_digit_is_the_one_ninth_digit_that_passes_the_elfproef():
    stems = np.random.default_rng(1).integers(1, 10**8, 2000)
    candidates = stems[:, None] * 10 + np.arange(10)
    # The elfproef written out here: weights 9..2 for the first eight digits, -1 for the ninth.
    weighted = sum(w * (candidates // 10 ** (8 - i) % 10) for i, w in enumerate([9, 8, 7, 6, 5, 4, 3, 2, -1]))
    passing = (weighted % 11 == 0) & (candidates > 0)
    checks = check_digit(stems)
    assert check_digit([11122233]).tolist() == [3]
    assert ((checks == 10) == ~passing.any(axis=1)).all() and 0 < (checks == 10).sum() < 400
    has = checks < 10
    assert passing[has, checks[has]].all() and (passing.sum(axis=1) <= 1).all()
    assert (elfproef(candidates.ravel()) == passing.ravel()).all()
