from straatkubus.warehouse.checksums import differences, parse, render


def test_checksums_survive_their_text_form_and_name_every_difference():
    before = {"marts.a": (3, "aa"), "marts.b": (1, "bb"), "marts.gone": (2, "cc")}
    after = {"marts.a": (3, "aa"), "marts.b": (1, "bX"), "marts.new": (4, "dd")}
    assert parse(render(before)) == before
    assert differences(before, before) == []
    found = differences(before, after)
    assert [line.split(":")[0] for line in found] == ["marts.b", "marts.gone", "marts.new"]
    assert "gone" in found[1] and "new (4 rows)" in found[2]
