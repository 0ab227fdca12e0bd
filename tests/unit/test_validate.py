import shutil

import pytest

from straatkubus.generate import generate
from straatkubus.settings import Settings
from straatkubus.validate import ValidationFailed, validate_file


@pytest.fixture(scope="module")
def delivery(tmp_path_factory):
    out = tmp_path_factory.mktemp("gx")
    generate(Settings.from_env().shared_data_dir, out, scale=0.01, seed=5)
    return out


def test_a_good_delivery_passes_its_suite(delivery):
    assert validate_file(delivery / "bag_addresses__GM0965__2024.csv") > 0


def test_a_bad_postcode_fails_the_suite_with_a_readable_report(delivery, tmp_path):
    good = delivery / "bag_addresses__GM0965__2024.csv"
    bad = tmp_path / good.name
    lines = good.read_text().splitlines()
    postcode = lines[1].split(",")[1]
    lines[1] = lines[1].replace(postcode, "0123AB")
    bad.write_text("\n".join(lines) + "\n")
    with pytest.raises(ValidationFailed) as failure:
        validate_file(bad)
    report = str(failure.value)
    assert "expect_column_values_to_match_regex" in report and "'postcode'" in report
    assert "0123AB" in report


def test_a_missing_column_fails_the_suite(delivery, tmp_path):
    good = delivery / "brp_persons__GM0965__2024.csv"
    bad = tmp_path / good.name
    shutil.copy(good, bad)
    bad.write_text("\n".join(",".join(line.split(",")[:3]) for line in
                             good.read_text().splitlines()) + "\n")
    with pytest.raises(ValidationFailed, match="expect_table_columns_to_match_ordered_list"):
        validate_file(bad)
