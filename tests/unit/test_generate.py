import csv
import filecmp
from pathlib import Path

import numpy as np
import pytest
import shapely
from shapely.geometry import Point

from straatkubus import reference
from straatkubus.generate import PC6_LETTERS, _household_sizes, _valid_bsns, generate
from straatkubus.settings import MUNICIPALITIES, Settings

DATA = Settings.from_env().shared_data_dir


def elfproef(number: str) -> bool:
    digits = [int(d) for d in number]
    return (sum(d * w for d, w in zip(digits[:8], range(9, 1, -1), strict=True))
            - digits[8]) % 11 == 0


def test_bsns_are_unique_nine_digit_and_pass_the_elfproef():
    bsns = _valid_bsns(np.random.default_rng(1), 5000)
    assert len(set(bsns.tolist())) == 5000
    assert all(len(str(b)) == 9 and elfproef(str(b)) for b in bsns)


@pytest.mark.parametrize("households,persons,share", [(100, 210, 0.4), (7, 30, 0.0), (50, 50, 1.0)])
def test_household_sizes_sum_to_the_population(households, persons, share):
    sizes = _household_sizes(np.random.default_rng(3), households, persons, share)
    assert len(sizes) == households
    assert sizes.sum() == persons
    assert (sizes == 1).sum() == round(households * share)


def test_no_postcode_uses_letters_postnl_never_issues():
    assert not {"SA", "SD", "SS"} & set(PC6_LETTERS)
    assert len(PC6_LETTERS) == 26 * 26 - 3


@pytest.fixture(scope="module")
def small_delivery(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("gen")
    generate(DATA, out, scale=0.02, seed=11)
    return out


def test_same_seed_gives_identical_files(small_delivery, tmp_path):
    generate(DATA, tmp_path, scale=0.02, seed=11)
    names = sorted(p.name for p in small_delivery.iterdir())
    assert names == sorted(p.name for p in tmp_path.iterdir())
    match, mismatch, errors = filecmp.cmpfiles(small_delivery, tmp_path, names, shallow=False)
    assert mismatch == [] and errors == []


def test_every_municipality_delivers_addresses_and_persons(small_delivery):
    senders = {p.name.split("__")[1] for p in small_delivery.glob("*.csv")}
    assert senders == set(MUNICIPALITIES)


def test_addresses_lie_inside_their_real_pc4_polygon(small_delivery):
    areas = {a.pc4: a for a in reference.pc4_areas(DATA)}
    for path in small_delivery.glob("bag_addresses__*.csv"):
        with open(path) as handle:
            for row in csv.DictReader(handle):
                area = areas[row["postcode"][:4]]
                assert area.municipality_code == row["municipality_code"]
                point = Point(float(row["longitude"]), float(row["latitude"]))
                assert shapely.contains(area.geometry, point), row


def test_population_matches_cbs_totals_at_scale(small_delivery):
    figures = reference.municipality_figures(DATA)
    for code, fig in figures.items():
        with open(small_delivery / f"brp_persons__{code}__2024.csv") as handle:
            persons = sum(1 for _ in handle) - 1
        assert persons == round(fig.inhabitants * 0.02)
