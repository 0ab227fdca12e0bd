"""BSNs for synthetic persons: a bijection from person sequence numbers onto valid BSNs.

A BSN denotes one person across all files and years. Persons get sequence numbers (see
straatkubus.synth.scope), which a seeded bijection maps onto valid 8-digit stems, so no
global set of issued BSNs is needed. The elfproef itself lives in straatkubus.ingest.bsn.
"""

from __future__ import annotations

import math

import numpy as np

from straatkubus.ingest.bsn import WEIGHTS, check_digit
from straatkubus.synth.sampling import PURPOSE_BSN, stream

N_STEMS = 9_000_000 * 9  # 7-digit prefixes 1000000..9999999, 9 valid 8th digits each
# An eighth digit adds its weight to the check digit (straatkubus.ingest.bsn): given the
# check digit for eighth digit 0, the eighth digit for which none exists (10: every one has).
_WITHOUT_CHECK_DIGIT = np.array([next((e for e in range(10) if (first + WEIGHTS[7] * e) % 11 == 10), 10)
                                 for first in range(11)])


class BsnMap:
    """A bijection from person sequence numbers [0, N_STEMS) onto valid 9-digit BSNs.

    An affine permutation modulo N_STEMS scatters the sequence; the result k is written as
    a 7-digit prefix (k // 9) and the (k % 9)-th eighth digit for which a check digit
    exists (of the ten, at most one has none), followed by that check digit.
    """

    def __init__(self, seed: int) -> None:
        rng = stream(seed, PURPOSE_BSN)
        a = int(rng.integers(N_STEMS // 3, N_STEMS))
        while math.gcd(a, N_STEMS) != 1:
            a += 1
        self.a, self.b = a, int(rng.integers(0, N_STEMS))

    def __call__(self, sequence: np.ndarray) -> np.ndarray:
        k = (self.a * (np.asarray(sequence, dtype=np.int64) % N_STEMS) + self.b) % N_STEMS
        stems = (1_000_000 + k // 9) * 10  # eighth digit 0
        first = check_digit(stems)
        eighth = k % 9 + (k % 9 >= _WITHOUT_CHECK_DIGIT[first])
        return (stems + eighth) * 10 + (first + WEIGHTS[7] * eighth) % 11
