"""The synthetic deliveries: contracts, calibration, correlations, determinism, tiles, months."""

from __future__ import annotations

import filecmp
import math
import re
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Transformer

from straatkubus.ingest import reference
from straatkubus.ingest.bsn import elfproef
from straatkubus.ingest.contracts import (
    BSN,
    CONTRACTS,
    END_DATE,
    EVENT_DATE,
    MUNICIPALITY,
    PARTNERS,
    PAST_DATE,
    POSTCODE,
    START_DATE,
    parse_delivery_name,
)
from straatkubus.settings import MUNICIPALITIES, Settings
from straatkubus.synth.generate import BORDER_ADDRESSES, N_STEMS, PC6_LETTERS, BsnMap, generate
from straatkubus.synth.variation import DRIFTS, unpublished_years

DATA = Settings.from_env().reference_data_dir
SCALE = 0.15
YEARS = (2022, 2023, 2024)
_NUMBER = re.compile(r"^-?[0-9]+(\.[0-9]+)?$")
_INTEGER = re.compile(r"^-?[0-9]+$")


# --- a contract checker built from the Column fields ----------------------------------------------
def read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False, na_filter=False)


def bag_postcodes(folder: Path) -> dict[tuple[str, str], set[str]]:
    """(municipality, year) -> postcodes of the addresses in that year's BAG delivery."""
    postcodes = {}
    for path in folder.glob("bag_addresses__*.csv"):
        name = parse_delivery_name(path)
        postcodes[(name.sender, name.period[:4])] = set(read(path)["postcode"])
    return postcodes


def contract_problems(path: Path, postcodes: dict[tuple[str, str], set[str]],
                      scope: dict[str, str]) -> list[str]:
    """Everything in a delivery file that breaks its contract (empty when it is valid)."""
    name = parse_delivery_name(path)
    contract = CONTRACTS[name.source]
    fields = {line.count(",") + 1 for line in path.read_text(encoding="utf-8").splitlines()}
    if fields != {len(contract.columns)}:
        return [f"{path.name}: rows with {sorted(fields)} fields, expected {len(contract.columns)}"]
    frame = read(path)
    problems = []
    if list(frame.columns) != contract.column_names:
        return [f"{path.name}: header {list(frame.columns)}"]
    start, end = pd.Timestamp(name.start), pd.Timestamp(name.end)

    def bad(column: str, mask: pd.Series, what: str) -> None:
        if mask.any():
            problems.append(f"{path.name}: {column} {what}: {frame.loc[mask, column].head(3).tolist()}")

    starts = None
    for column in contract.columns:
        values = frame[column.name]
        empty = values == ""
        if not column.nullable:
            bad(column.name, empty, "empty")
        if column.pg_type == "integer":
            bad(column.name, ~empty & ~values.str.fullmatch(_INTEGER.pattern), "not an integer")
        elif column.pg_type.startswith(("numeric", "double")):
            bad(column.name, ~empty & ~values.str.fullmatch(_NUMBER.pattern), "not a number")
        if column.minimum is not None or column.maximum is not None:
            numbers = pd.to_numeric(values.where(values.str.fullmatch(_NUMBER.pattern), "nan"))
            low = column.minimum if column.minimum is not None else -np.inf
            high = column.maximum if column.maximum is not None else np.inf
            bad(column.name, numbers.notna() & ~numbers.between(low, high), "out of bounds")
        if column.values:
            bad(column.name, ~empty & ~values.isin(column.values), "not an allowed value")
        if column.pattern:
            bad(column.name, ~empty & ~values.str.fullmatch(column.pattern), "does not match its pattern")
        if column.role == BSN:
            numbers = pd.to_numeric(values.where(values.str.fullmatch(r"[0-9]{9}"), "0")).to_numpy()
            bad(column.name, pd.Series(~elfproef(numbers)), "not a valid BSN")
        else:
            bad(column.name, values.str.contains(r"(?<![0-9])[0-9]{9}(?![0-9])"), "holds a 9-digit number")
        if column.pg_type == "date":
            days = pd.to_datetime(values.where(~empty, None), format="%Y-%m-%d", errors="coerce")
            bad(column.name, ~empty & days.isna(), "not an ISO date")
            if column.role == PAST_DATE:
                bad(column.name, days > start, f"after {name.start}")
            if column.role == EVENT_DATE:
                bad(column.name, ~empty & ((days < start) | (days > end)), "outside the period")
            if column.role == START_DATE:
                starts = days
                bad(column.name, days > end, "after the period")
            if column.role == END_DATE:
                bad(column.name, ~empty & ((days < start) | (days < starts)), "before the start or period")
        if column.role == POSTCODE:
            bad(column.name, ~values.str.fullmatch(r"[1-9][0-9]{3}[A-Z]{2}"), "not a postcode")
            known = pd.Series([
                postcode in postcodes.get((code, name.period[:4]), set())
                for postcode, code in zip(values, frame["municipality_code"], strict=True)], dtype=bool)
            bad(column.name, ~known, "not in that year's BAG of the municipality")
        if column.role == MUNICIPALITY:
            if contract.sender == "municipality":
                bad(column.name, values != name.sender, "not the sender")
            else:
                declared = {code for code, copies in scope.items() if copies in PARTNERS[name.sender].municipalities}
                bad(column.name, ~values.isin(declared), "not declared")
    bad(contract.key[0], frame.duplicated(list(contract.key)), "duplicate key")
    return problems


# --- fixtures ------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def run(tmp_path_factory):
    out = tmp_path_factory.mktemp("gen")
    result = generate(DATA, out, scale=SCALE, seed=11, years=YEARS)
    return out, result


@pytest.fixture(scope="module")
def persons(run) -> pd.DataFrame:
    """BRP persons of all years with age, PC6 and household type flags."""
    out, _ = run
    frames = []
    for year in YEARS:
        bag = pd.concat([read(p) for p in out.glob(f"bag_addresses__*__{year}.csv")])
        for path in out.glob(f"brp_persons__*__{year}.csv"):
            frame = read(path).merge(bag[["address_id", "postcode"]], on="address_id", how="left")
            born = pd.to_datetime(frame["birth_date"])
            reference_date = pd.Timestamp(date(year, 1, 1))
            frame["age"] = reference_date.year - born.dt.year - (
                (born.dt.month > 1) | (born.dt.day > 1)).astype(int)
            frame["year"] = year
            frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def by_sender(out: Path, source: str, year: int) -> dict[str, pd.DataFrame]:
    return {parse_delivery_name(p).sender: read(p) for p in out.glob(f"{source}__*__{year}.csv")}


# --- BSNs and small helpers ------------------------------------------------------------------------
def test_bsn_map_is_a_bijection_onto_valid_bsns():
    bsn_map = BsnMap(5)
    sequence = np.concatenate([np.arange(200_000), N_STEMS - 1 - np.arange(1000)])
    bsns = bsn_map(sequence)
    assert elfproef(bsns).all()
    assert len(np.unique(bsns)) == len(sequence)
    assert not np.array_equal(bsns[:100], BsnMap(6)(np.arange(100)))
    assert elfproef(np.array([111222333, 123456782])).tolist() == [True, True]
    assert elfproef(np.array([123456789, 12345678])).tolist() == [False, False]


def test_no_postcode_uses_letters_postnl_never_issues():
    assert not {"SA", "SD", "SS"} & set(PC6_LETTERS)
    assert len(PC6_LETTERS) == 26 * 26 - 3


# --- files and contracts --------------------------------------------------------------------------------
def test_every_sender_delivers_every_source_for_every_year(run):
    out, result = run
    expected = set()
    for year in YEARS:
        for source, contract in CONTRACTS.items():
            if contract.sender == "municipality":
                expected |= {f"{source}__{code}__{year}.csv" for code in MUNICIPALITIES}
            else:
                expected |= {f"{source}__{p.code}__{year}.csv" for p in PARTNERS.values() if source in p.sources}
    assert {p.name for p in result.files} == expected
    assert {p.name for p in out.iterdir()} == expected
    assert result.rows == sum(len(p.read_bytes().splitlines()) - 1 for p in result.files)


def test_every_row_satisfies_its_contract(run):
    out, _ = run
    postcodes = bag_postcodes(out)
    scope = reference.scope_municipalities(0)
    problems = [problem for path in sorted(out.glob("*.csv")) for problem in contract_problems(path, postcodes, scope)]
    assert problems == []


def test_event_and_tenancy_ids_are_unique_across_years(run):
    out, _ = run
    for source, column in [("public_space_reports", "report_id"), ("police_incidents", "incident_id"),
                           ("environmental_incidents", "incident_id"), ("corporation_tenancies", "tenancy_id")]:
        ids = pd.concat([read(p)[column] for p in out.glob(f"{source}__*.csv")])
        assert ids.is_unique, source
        assert len(ids) > 100, source


def test_bsns_are_valid_and_unique_per_year_and_never_reused(persons):
    assert elfproef(persons["bsn"].astype(np.int64).to_numpy()).all()
    assert persons["bsn"].is_unique  # unique per year and, persons being redrawn, across years


# --- calibration ------------------------------------------------------------------------------------------
def close(value: float, target: float, denominator: int, drift: float = 0.0) -> bool:
    """Within 1 % (plus `drift`, relative), or within what rounding a count of
    `denominator` allows."""
    return abs(value - target) <= max((0.01 + drift) * abs(target), 0.5 / denominator * 100 + 1e-9)


def target(field: str, code: str, year: int) -> tuple[float | None, float]:
    """The CBS figure the generator aims at and the relative drift it may have: none where
    CBS published the year (or it lies between two published years), else what three
    standard deviations of the figure's drift give after the years since the nearest
    published one (straatkubus.synth.variation)."""
    history = {y: getattr(reference.municipality_figures(DATA, y, published_only=True)[code], field)
               for y in YEARS}
    value = getattr(reference.municipality_figures(DATA, year)[code], field)
    return value, math.exp(3 * DRIFTS[field] * abs(unpublished_years(history, year))) - 1


@pytest.mark.parametrize("year", YEARS)
def test_counts_match_cbs_per_municipality(run, persons, year):
    out, _ = run
    figures = reference.municipality_figures(DATA, year)
    wmo_known = [f.wmo_clients_per_1000 for f in figures.values() if f.wmo_clients_per_1000 is not None]
    bag = by_sender(out, "bag_addresses", year)
    woz = by_sender(out, "woz_values", year)
    tenancies = pd.concat(by_sender(out, "corporation_tenancies", year).values())
    wmo = by_sender(out, "wmo_provisions", year)
    youth = by_sender(out, "youth_care", year)
    for code, fig in figures.items():
        people = persons[(persons["year"] == year) & (persons["municipality_code"] == code)]
        n = len(people)
        assert n == round(fig.inhabitants * SCALE)
        sizes = people.groupby("household_id").size()
        assert len(sizes) == round(fig.households * SCALE)
        assert close(100 * (sizes == 1).mean(), fig.pct_one_person_households, len(sizes))
        assert close(100 * (people["age"] >= 65).mean(), fig.pct_65plus, n)
        assert abs(100 * (people["age"] < 15).mean() - fig.pct_0_14) < 1.0
        dwellings = bag[code][bag[code]["use"] == "woonfunctie"]
        assert set(woz[code]["address_id"]) == set(dwellings["address_id"])
        first_woz = reference.municipality_figures(DATA, 2022).get(code).avg_woz_eur
        growth = {2022: 1.0, 2023: 1.10, 2024: 1.10 * 1.05}[year]
        _, drift = target("avg_woz_eur", code, year)
        assert woz[code]["woz_value"].astype(int).mean() == pytest.approx(first_woz * growth, rel=1e-4 + drift)
        rented = tenancies[tenancies["municipality_code"] == code]
        corporation, drift = target("pct_corporation_dwellings", code, year)
        assert close(100 * len(rented) / len(dwellings), corporation, len(dwellings), drift)
        occupied = set(people["address_id"])
        keys = set(zip(dwellings["postcode"], dwellings["house_number"], strict=True))
        assert set(zip(rented["postcode"], rented["house_number"], strict=True)) <= keys
        vacant = 100 * (1 - len(occupied) / len(dwellings))
        vacancy, drift = target("pct_vacant", code, year)
        assert abs(vacant - vacancy) < 1.5 + drift * vacancy
        assert len(occupied) == len(sizes)  # every household its own dwelling
        young = people[people["age"] < 23]
        in_care = youth[code]["bsn"].unique()
        assert set(in_care) <= set(young["bsn"])
        youth_care, drift = target("pct_youth_care", code, year)
        assert close(100 * len(in_care) / len(young), youth_care, len(young), drift)
        rate, drift = target("wmo_clients_per_1000", code, year)
        if rate is None:  # never published (Heerlen): the mean of the others
            rate = sum(wmo_known) / len(wmo_known)
            drift = max(target("wmo_clients_per_1000", other, year)[1] for other in figures)
        clients = wmo[code]["bsn"].nunique()
        assert abs(1000 * clients / n - rate) <= max((0.01 + drift) * rate, 500 / n)
        aged = people.set_index("bsn").loc[wmo[code]["bsn"].unique(), "age"]
        assert (aged >= 65).mean() > 0.5


def test_income_share_around_the_social_minimum(run):
    out, _ = run
    for code, frame in by_sender(out, "household_income", 2024).items():
        income = frame["income_pct_social_minimum"].astype(float)
        share, drift = target("pct_around_social_minimum", code, 2024)
        assert close(100 * (income <= 110).mean(), share, len(income), drift)
        assert 150 < income.median() < 320


def test_event_volumes_are_plausible(run):
    out, _ = run
    figures = reference.municipality_figures(DATA, 2024)
    police = read(out / "police_incidents__politie__2024.csv")
    crimes = police["incident_type"].isin(["woninginbraak", "geweld", "vernieling"])
    for code, fig in figures.items():
        own = police["municipality_code"] == code
        assert (own & crimes).sum() == pytest.approx(fig.recorded_crimes * SCALE, rel=0.02)
        assert 0.15 < (own & ~crimes).sum() / (own & crimes).sum() < 1.2  # nuisance per crime
        reports = len(read(out / f"public_space_reports__{code}__2024.csv"))
        assert 80 < 1000 * reports / (fig.inhabitants * SCALE) < 240  # ~150, varying


# --- geography and correlations -----------------------------------------------------------------------------
def test_addresses_lie_inside_their_pc4_polygon_and_persist(run):
    out, _ = run
    areas = {a.pc4: a for a in reference.pc4_areas(DATA)}
    boundaries = {m.code: m.geometry for m in reference.municipality_areas(DATA)}
    to_wgs84 = Transformer.from_crs("EPSG:28992", "EPSG:4326", always_xy=True)
    for code in MUNICIPALITIES:
        frame = read(out / f"bag_addresses__{code}__2024.csv")
        x, y = frame["x"].astype(float).to_numpy(), frame["y"].astype(float).to_numpy()
        if code in ("GM1954", "GM0986"):
            assert (frame["crs"] == "EPSG:4326").all() and (x < 7).all() and (y > 50).all()
        else:
            assert (frame["crs"] == "EPSG:28992").all() and (x > 150_000).all() and (y > 300_000).all()
            x, y = to_wgs84.transform(x, y)
        for pc4, rows in frame.groupby(frame["postcode"].str[:4]).groups.items():
            assert shapely.contains_xy(areas[pc4].geometry, x[rows], y[rows]).all()
            if areas[pc4].municipality_code != code:  # PC6 areas crossing the border: their
                # few addresses here lie where the PC4 reaches into this municipality
                assert frame.loc[rows, "postcode"].value_counts().max() <= BORDER_ADDRESSES[1]
                assert shapely.contains_xy(boundaries[code], x[rows], y[rows]).all()
        assert frame["floor_area"].astype(int).between(10, 20000).all()
        earlier = read(out / f"bag_addresses__{code}__2022.csv")
        merged = earlier.merge(frame, on="address_id", suffixes=("", "_later"))
        assert len(merged) > 0.98 * len(earlier)  # the same addresses: a few demolished,
        assert len(frame) > len(merged)  # and a few new builds
        for column in ("postcode", "house_number", "x", "y", "use", "floor_area"):
            assert (merged[column] == merged[f"{column}_later"]).all()


def test_about_one_percent_of_pc6_areas_cross_a_municipal_border(run):
    out, _ = run
    for year in YEARS:
        bag = pd.concat(by_sender(out, "bag_addresses", year).values())
        municipalities = bag.groupby("postcode")["municipality_code"].nunique()
        assert 0.003 < (municipalities > 1).mean() < 0.015
        assert municipalities.max() == 2
        assert not bag.duplicated(["postcode", "house_number"]).any()


def test_deprivation_concentrates_corporation_housing_arrears_and_youth_care(run, persons):
    out, _ = run
    bag = pd.concat(by_sender(out, "bag_addresses", 2024).values())
    dwellings = bag[bag["use"] == "woonfunctie"].groupby("postcode").size()
    tenancies = pd.concat(by_sender(out, "corporation_tenancies", 2024).values())
    people = persons[persons["year"] == 2024]
    young = people[people["age"] < 23].groupby("postcode").size()
    youth = pd.concat(by_sender(out, "youth_care", 2024).values())["bsn"].unique()
    in_care = people[people["bsn"].isin(youth)].groupby("postcode").size()
    pc6 = pd.DataFrame({
        "dwellings": dwellings,
        "corporation": tenancies.groupby("postcode").size(),
        "arrears": tenancies[tenancies["months_in_arrears"].astype(int) > 0].groupby("postcode").size(),
        "young": young, "in_care": in_care,
    }).fillna(0)
    pc6 = pc6[(pc6["dwellings"] >= 10) & (pc6["young"] >= 5)]
    corporation_share = pc6["corporation"] / pc6["dwellings"]
    assert corporation_share.corr(pc6["arrears"] / pc6["dwellings"]) > 0.2
    assert corporation_share.corr(pc6["in_care"] / pc6["young"]) > 0.1
    woz = pd.concat(by_sender(out, "woz_values", 2024).values()).merge(bag, on="address_id")
    assert corporation_share.corr(woz.groupby("postcode")["woz_value"].apply(
        lambda v: v.astype(float).mean()).reindex(pc6.index)) < -0.1


def test_elderly_living_alone_follows_the_municipal_one_person_household_share(persons):
    """CBS publishes no share of 65-plussers living alone per municipality; ours rises with
    the municipality's CBS share of one-person households."""
    for year in YEARS:
        figures = reference.municipality_figures(DATA, year)
        people = persons[persons["year"] == year]
        size = people.groupby("household_id")["bsn"].transform("size")
        old = people[people["age"] >= 65]
        alone = (size[old.index] == 1).groupby(old["municipality_code"]).mean()
        one_person = pd.Series({code: f.pct_one_person_households for code, f in figures.items()})
        assert alone.corr(one_person[alone.index], method="spearman") > 0.8
        assert alone.max() - alone.min() > 0.1
        assert alone.between(0.15, 0.6).all()


def test_figures_cbs_has_not_published_move_over_the_years(run, persons):
    """CBS published youth care, WMO and the social minimum for 2022 only: by 2024 they
    have moved, up in some municipalities and down in others."""
    out, _ = run
    shares = {}
    for year in (YEARS[0], YEARS[-1]):
        people = persons[persons["year"] == year]
        young = people[people["age"] < 23].groupby("municipality_code")["bsn"].nunique()
        for code, frame in by_sender(out, "youth_care", year).items():
            income = read(out / f"household_income__{code}__{year}.csv")["income_pct_social_minimum"]
            shares[(code, year)] = {
                "youth care": frame["bsn"].nunique() / young[code],
                "wmo": by_sender(out, "wmo_provisions", year)[code]["bsn"].nunique()
                / (people["municipality_code"] == code).sum(),
                "social minimum": (income.astype(float) <= 110).mean(),
            }
    frame = pd.DataFrame(shares).T
    for name, column in frame.items():
        change = column.unstack(1)[YEARS[-1]] / column.unstack(1)[YEARS[0]]
        assert (change < 0.97).any() and (change > 1.03).any(), name


def test_event_rates_differ_per_municipality_and_change_over_the_years(run):
    """Rates that no CBS figure fixes still differ between municipalities and move over the
    years, up in some municipalities and down in others."""
    out, _ = run
    rates = {}
    for year in YEARS:
        figures = reference.municipality_figures(DATA, year)
        environmental = read(out / f"environmental_incidents__rudzl__{year}.csv")
        police = read(out / f"police_incidents__politie__{year}.csv")
        nuisance = police[~police["incident_type"].isin(["woninginbraak", "geweld", "vernieling"])]
        for code, fig in figures.items():
            inhabitants = fig.inhabitants * SCALE
            rates[(code, year)] = {
                "environmental": 1000 * (environmental["municipality_code"] == code).sum() / inhabitants,
                "nuisance": 1000 * (nuisance["municipality_code"] == code).sum() / inhabitants,
                "reports": 1000 * len(read(out / f"public_space_reports__{code}__{year}.csv")) / inhabitants,
            }
    frame = pd.DataFrame(rates).T
    for name, column in frame.items():
        by_code = column.unstack(1)  # municipality x year
        assert (by_code.max() / by_code.min() > 1.2).all(), name
        change = by_code[YEARS[-1]] / by_code[YEARS[0]]
        assert (change < 0.97).any() and (change > 1.03).any(), name


def test_few_inhabitants_where_the_wijk_is_scattered_houses(persons, run):
    """Addresses go where people live: a wijk of scattered houses ("verspreide huizen")
    holds few of its municipality's inhabitants, although it covers most of some PC4 areas."""
    out, _ = run
    to_wgs84 = Transformer.from_crs("EPSG:28992", "EPSG:4326", always_xy=True)
    scattered = [w for w in reference.wijken(DATA) if "verspreide huizen" in w.name.lower()]
    assert scattered
    for wijk in scattered:
        bag = read(out / f"bag_addresses__{wijk.municipality_code}__2024.csv")
        x, y = bag["x"].astype(float).to_numpy(), bag["y"].astype(float).to_numpy()
        if (bag["crs"] == "EPSG:28992").all():
            x, y = to_wgs84.transform(x, y)
        inside = set(bag.loc[shapely.contains_xy(wijk.geometry, x, y), "address_id"])
        people = persons[(persons["year"] == 2024) & (persons["municipality_code"] == wijk.municipality_code)]
        assert people["address_id"].isin(inside).mean() < 0.1, wijk.name


# --- determinism, small and large scopes, months ----------------------------------------------------------
def test_same_arguments_give_identical_files_and_another_seed_differs(tmp_path):
    first, second, other = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    for folder, seed in ((first, 3), (second, 3), (other, 4)):
        generate(DATA, folder, scale=0.04, seed=seed, years=(2023,))
    names = sorted(p.name for p in first.iterdir())
    assert names == sorted(p.name for p in second.iterdir()) == sorted(p.name for p in other.iterdir())
    _, mismatch, errors = filecmp.cmpfiles(first, second, names, shallow=False)
    assert mismatch == [] and errors == []
    _, mismatch, _ = filecmp.cmpfiles(first, other, names, shallow=False)
    assert len(mismatch) == len(names)


def test_a_year_does_not_depend_on_the_other_years_generated(run, tmp_path):
    out, _ = run
    generate(DATA, tmp_path, scale=SCALE, seed=11, years=(2024, 2025))
    names = sorted(p.name for p in tmp_path.glob("*__2024.csv"))
    assert len(names) == len(list(out.glob("*__2024.csv")))
    _, mismatch, errors = filecmp.cmpfiles(out, tmp_path, names, shallow=False)
    assert mismatch == [] and errors == []


def test_ten_thousand_inhabitants(tmp_path):
    result = generate(DATA, tmp_path, scale=0.04, seed=2, years=(2024,))
    assert 9_900 < result.inhabitants < 10_500
    scope = reference.scope_municipalities(0)
    postcodes = bag_postcodes(tmp_path)
    assert [p for path in result.files for p in contract_problems(path, postcodes, scope)] == []


def test_scale_beyond_parkstad_adds_tile_municipalities(tmp_path):
    result = generate(DATA, tmp_path, scale=2, seed=2, years=(2024,))
    senders = {parse_delivery_name(p).sender for p in result.files if p.name.startswith("brp_persons")}
    assert senders == set(reference.scope_municipalities(1))
    assert any(s.startswith("GM90") for s in senders)
    figures = reference.municipality_figures(DATA, 2024)
    assert result.inhabitants == sum(2 * round(f.inhabitants * 1.0) for f in figures.values())
    tenancies = read(tmp_path / "corporation_tenancies__weller__2024.csv")
    scope = reference.scope_municipalities(1)
    assert {scope[c] for c in tenancies["municipality_code"]} == set(PARTNERS["weller"].municipalities)
    tiles = {a.pc4: a for a in reference.scope_pc4_areas(DATA, 1)}
    frame = read(tmp_path / "bag_addresses__GM9010__2024.csv")
    own = frame["postcode"].str[:4].map(lambda pc4: tiles[pc4].municipality_code == "GM9010")
    assert own.mean() > 0.99  # the others: PC6 areas of tile 1 crossing the border
    assert frame.loc[~own, "postcode"].str[:4].map(lambda pc4: tiles[pc4].municipality_code.startswith("GM901")).all()
    bsns = pd.concat([read(p)["bsn"] for p in tmp_path.glob("brp_persons__*.csv")])
    assert bsns.is_unique


def test_month_mode_writes_only_that_months_events(run, tmp_path):
    out, _ = run
    result = generate(DATA, tmp_path, scale=SCALE, seed=11, month="2025-01")
    monthly = {s for s, c in CONTRACTS.items() if c.monthly}
    names = [parse_delivery_name(p) for p in result.files]
    assert {n.source for n in names} == monthly and {n.period for n in names} == {"2025-01"}
    assert {n.sender for n in names if n.source == "public_space_reports"} == set(MUNICIPALITIES)
    for path in result.files:
        frame = read(path)
        column = [c.name for c in CONTRACTS[parse_delivery_name(path).source].columns if c.role == EVENT_DATE][0]
        assert frame[column].str.startswith("2025-01-").all()
        ids = frame.iloc[:, 0]
        yearly = pd.concat([read(p).iloc[:, 0] for p in out.glob(path.name.replace("2025-01", "*"))])
        assert not ids.isin(yearly).any() and ids.is_unique
    reports = sum(len(read(p)) for p in tmp_path.glob("public_space_reports__*.csv"))
    assert 0.05 < reports / (0.15 * 256_000 * 0.15) < 0.13  # about a twelfth of a year
    again = tmp_path / "again"
    generate(DATA, again, scale=SCALE, seed=11, month="2025-01")
    names = sorted(p.name for p in again.iterdir())
    assert filecmp.cmpfiles(tmp_path, again, names, shallow=False)[1] == []


def test_periods_that_have_not_begun_are_refused(tmp_path):
    with pytest.raises(ValueError, match="has not begun"):
        generate(DATA, tmp_path, scale=0.04, years=(2099,))
    with pytest.raises(ValueError, match="YYYY-MM"):
        generate(DATA, tmp_path, scale=0.04, month="2025-13")
