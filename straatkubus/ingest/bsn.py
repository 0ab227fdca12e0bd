"""The one place for BSNs: the elfproef, the keyed pseudonym, and masking them in text.

A BSN (burgerservicenummer) is 9 digits whose weighted sum (9, 8, ..., 2, -1) is divisible
by 11. Intake replaces every BSN field, and every elfproef-valid number found in any other
text it writes (quarantined lines, reasons), by its keyed HMAC-SHA256 before anything is
stored, validated or printed. The key must be at least `MIN_KEY_BYTES` long; its
fingerprint is kept in `raw.deliveries` so that a load under another key is refused.
"""

from __future__ import annotations

import hashlib
import hmac
import re

import numpy as np
import pandas as pd

MIN_KEY_BYTES = 32
WEIGHTS = np.array([9, 8, 7, 6, 5, 4, 3, 2, -1])
# Numbers in text, decimals included (a BSN is one that is exactly 9 digits).
_NUMBERS = re.compile(r"[0-9]+(?:[.,][0-9]+)*")
# What may be a BSN in free text: 8 or 9 digits, possibly grouped with spaces or dots.
_CANDIDATE = re.compile(r"(?<![0-9])[0-9](?:[ .]?[0-9]){7,8}(?![0-9])")


def check_digit(stems: np.ndarray) -> np.ndarray:
    """The ninth digit that makes each 8-digit stem (leading zeros included) pass the
    elfproef; 10 where no digit does."""
    stems = np.asarray(stems, dtype=np.int64)
    digits = (stems[:, None] // 10 ** np.arange(7, -1, -1)) % 10
    return digits @ WEIGHTS[:8] % 11  # the ninth digit weighs -1


def elfproef(numbers: np.ndarray) -> np.ndarray:
    """True where a number, written with 9 digits (leading zeros included), is a BSN
    passing the elfproef."""
    numbers = np.asarray(numbers, dtype=np.int64)
    return (numbers > 0) & (numbers <= 999_999_999) & (check_digit(numbers // 10) == numbers % 10)


def passes_elfproef(values: pd.Series) -> pd.Series:
    """True where a text value is a 9-digit number passing the elfproef."""
    nine = values.str.fullmatch(r"[0-9]{9}").fillna(False).astype(bool)
    result = pd.Series(False, index=values.index)
    if nine.any():
        result[nine] = elfproef(values[nine].astype("int64").to_numpy())
    return result


def holds_bsn(values: pd.Series) -> pd.Series:
    """True where a text value holds an elfproef-valid 9-digit number anywhere in it."""
    def any_bsn(text: str) -> bool:
        nine = [n for n in _NUMBERS.findall(text) if len(n) == 9 and n.isdigit()]
        return bool(nine) and bool(elfproef(np.array(nine, dtype=np.int64)).any())

    result = pd.Series(False, index=values.index)
    if any_bsn(values.str.cat(sep="\n", na_rep="")):  # one search; rows only if needed
        present = values.dropna()
        result[present.index] = present.map(any_bsn).astype(bool)
    return result


def normalise(value: str) -> str:
    """A BSN as written in a BSN field ("12.34.56.782", "12345678") as its 9 digits."""
    digits = re.sub(r"[ .]", "", value.strip())
    return "0" + digits if len(digits) == 8 else digits


def pseudonymise(value: str, key: str) -> str:
    """Keyed HMAC-SHA256 of an identifier: stable per key, not reversible without it."""
    return hmac.new(key.encode(), value.strip().encode(), hashlib.sha256).hexdigest()


def mask(text: str, key: str) -> str:
    """`text` with every elfproef-valid number in it (8 or 9 digits, grouped or not)
    replaced by its pseudonym."""
    def replace(match: re.Match) -> str:
        number = normalise(match.group())
        return pseudonymise(number, key) if elfproef(np.array([int(number)]))[0] else match.group()

    return _CANDIDATE.sub(replace, text)


def check_key(key: str) -> None:
    """Refuse a missing or short pseudonym key (ValueError)."""
    if len(key.encode()) < MIN_KEY_BYTES:
        raise ValueError(f"the pseudonym key (STRAATKUBUS_PSEUDONYM_KEY) is "
                         f"{len(key.encode())} bytes; at least {MIN_KEY_BYTES} are needed")


def key_fingerprint(key: str) -> str:
    """A short fingerprint that tells keys apart without revealing them."""
    return hmac.new(key.encode(), b"straatkubus pseudonym key fingerprint",
                    hashlib.sha256).hexdigest()[:16]
