"""Access states what the roads cannot tell: unknown surfaces, the county seat used (issue 12)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest

from roadnet.cli import main
from roadnet.county import load_county
from roadnet.errors import ConfigError
from roadnet.formatting import format_km
from roadnet.io.atomic import write_geopackage
from roadnet.io.osm import normalize_surface
from roadnet.paved import AccessParams, compute_access
from roadnet.quality import DataQuality, QualityNote
from tests import countyfixture


def _county(folder: Path, *, blank_r3: bool = True, toml_extra: str = "", edit=None) -> Path:
    """The tiny county; R3 (the earth road to 李家窑) has no surface value when ``blank_r3``."""
    toml = countyfixture.write_county(folder, toml_extra=toml_extra)
    layers = countyfixture.layers()
    if blank_r3:
        layers["roads"].loc[2, "路面类型"] = None
    if edit is not None:
        edit(layers)
    write_geopackage(folder / "tiny.gpkg", layers)
    return toml


def _drop_section(toml: Path, layer: str) -> None:
    """Remove ``[layers.<layer>]`` from a county.toml written by countyfixture."""
    text = toml.read_text(encoding="utf-8")
    start = text.index(f"[layers.{layer}]")
    end = text.find("[layers.", start + 1)
    toml.write_text(text[:start] + (text[end:] if end >= 0 else ""), encoding="utf-8")


@pytest.fixture
def unknown_county(tmp_path):
    return load_county(_county(tmp_path / "c"))


def test_unknown_surface_is_counted_as_unpaved_and_stated(unknown_county):
    roads = unknown_county.layer("roads")
    r3_km = float(roads.length[roads["id"] == "R3"].sum()) / 1000
    total_km = float(roads.length.sum()) / 1000
    result = compute_access(unknown_county)
    s = result.summary
    # 李家窑 is reached only over R3: unpaved by default, so 2 of 4 administrative villages
    assert (s["villages_total"], s["villages_connected"]) == (4, 2)
    assert not result.villages.set_index("name").loc["李家窑", "connected"]
    assert s["unknown_surface_km"] == pytest.approx(r3_km, abs=0.001)
    assert s["unknown_surface_share"] == pytest.approx(r3_km / total_km, abs=1e-4)
    assert s["villages_connected_range"] == [2, 3]
    note = result.quality.get("unknown_surface")
    assert note is not None and note.rule == "unpaved" and note.count == 1
    assert note.ids == ("R3",)
    doc = result.to_json()["data_quality"]["unknown_surface"]
    assert doc["km"] == pytest.approx(r3_km, abs=0.001)
    assert doc["share"] == pytest.approx(r3_km / total_km, abs=1e-4)
    assert doc["rule"] == "unpaved"
    km = format_km(r3_km)
    assert f"路面类型不详的道路 {km} 公里按未硬化计" in result.headline()
    assert f"{km} km of road with unknown surface counted as unpaved" in result.headline(lang="en")
    assert f"1 条道路（{km} 公里" in note.text_zh and "--unknown-surface paved" in note.text_zh


def test_unknown_surface_rules(unknown_county):
    unpaved = compute_access(unknown_county)
    paved = compute_access(unknown_county, params=AccessParams(unknown_surface="paved"))
    exclude = compute_access(unknown_county, params=AccessParams(unknown_surface="exclude"))
    assert paved.summary["villages_connected"] == 3
    assert paved.villages.set_index("name").loc["李家窑", "connected"]
    assert "按硬化计" in paved.headline()
    assert paved.quality.get("unknown_surface").rule == "paved"
    unknown_km = unpaved.summary["unknown_surface_km"]
    assert paved.summary["paved_km"] == pytest.approx(unpaved.summary["paved_km"] + unknown_km)
    # exclude: the same villages as unpaved, but the road totals leave the unknown road out
    assert exclude.summary["villages_connected"] == unpaved.summary["villages_connected"]
    assert exclude.summary["rai"] == unpaved.summary["rai"]
    assert exclude.summary["roads_km"] == pytest.approx(
        unpaved.summary["roads_km"] - unknown_km, abs=0.002
    )
    assert "不计入路网" in exclude.headline()
    with pytest.raises(ConfigError, match="unknown_surface must be one of"):
        AccessParams(unknown_surface="gravel")


def test_no_unknown_surface_no_note(tmp_path):
    result = compute_access(load_county(_county(tmp_path, blank_r3=False)))
    assert "unknown_surface" not in result.quality
    assert "路面类型不详" not in result.headline()
    assert result.summary["unknown_surface_km"] == 0
    assert "villages_connected_range" not in result.summary


def test_county_notes_are_merged(unknown_county):
    stub = QualityNote("rows_rejected", text_zh="丢弃 2 行", text_en="2 rows dropped", count=2)
    county = dataclasses.replace(unknown_county, quality=DataQuality((stub,)))
    result = compute_access(county)
    # 李家窑 has no population: the RAI leaves it out, and says so
    assert list(result.to_json()["data_quality"]) == [
        "rows_rejected",
        "unknown_surface",
        "rai_population_missing",
    ]


def test_cli_states_rule_seat_and_notes(tmp_path, capsys):
    toml = _county(tmp_path / "c")
    out = tmp_path / "a.json"
    assert main(["access", str(toml), "--json", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "县城：张家营子（150125100201），标为驻地（seat）的村" in printed
    assert "注意：1 条道路（" in printed and "按未硬化计" in printed
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["data_quality"]["unknown_surface"]["rule"] == "unpaved"
    assert doc["seat"]["source"] == "seat_flag"
    assert main(["access", str(toml), "--unknown-surface", "paved", "--lang", "en"]) == 0
    printed = capsys.readouterr().out
    assert "3 of 4 administrative villages" in printed
    assert "Note: 1 roads" in printed and "counted as paved" in printed
    assert "County seat: 张家营子 (150125100201)" in printed
    assert main(["access", str(toml), "--unknown-surface", "gravel"]) == 2
    assert "--unknown-surface" in capsys.readouterr().err


def test_seat_is_told_how_it_was_chosen(tmp_path, capsys):
    toml = _county(tmp_path / "a", toml_extra='seat = "王家湾"')
    result = compute_access(load_county(toml))
    assert (result.seat["name"], result.seat["source"]) == ("王家湾", "county_toml")
    assert "由 county.toml 的 seat 指定" in result.seat_line()
    assert main(["access", str(toml), "--seat", "150125100201"]) == 0
    assert "县城：张家营子（150125100201），由 --seat 指定" in capsys.readouterr().out

    def no_seat(layers):
        layers["villages"] = layers["villages"].drop(columns=["驻地"])

    result = compute_access(load_county(_county(tmp_path / "b", edit=no_seat)))
    assert (result.seat["name"], result.seat["source"]) == ("张家营子", "most_populous")
    note = result.quality.get("seat_guessed")
    assert note is not None and note.ids == ("150125100201",)
    assert "--seat" in note.text_zh


def test_access_table_prints_no_none(tmp_path, capsys):
    def no_township(layers):
        layers["villages"] = layers["villages"].drop(columns=["所属乡镇"])
        layers["villages"].loc[4, "人口"] = None

    toml = _county(tmp_path / "c", edit=no_township)
    _drop_section(toml, "townships")
    assert main(["access", str(toml), "--xlsx", str(tmp_path / "a.xlsx")]) == 0
    printed = capsys.readouterr().out
    assert "None" not in printed and "nan" not in printed
    row = next(line for line in printed.splitlines() if "李家窑" in line)
    assert row.count("—") == 2  # no township, no population
    result = compute_access(load_county(toml))
    candidates = result.to_json()["candidates"]
    assert {c["name"]: c["population"] for c in candidates}["李家窑"] is None


def test_township_names_resolved_in_candidates(unknown_county):
    result = compute_access(unknown_county)
    towns = dict(zip(result.candidates["name"], result.candidates["township"], strict=True))
    assert towns["二道沟"] == "城关镇"  # its 所属乡镇 is the code 150125100
    assert towns["李家窑"] == "东乡"


@pytest.mark.realdata
def test_andorra_roads_without_surface_tag_are_unknown(tmp_path, realdata):
    import osmium

    pbf = realdata / "andorra" / "graphhopper_andorra.osm.pbf"
    untagged: set[str] = set()
    odd: dict[str, tuple[str | None, str | None]] = {}

    class Ways(osmium.SimpleHandler):
        def way(self, w):
            if "highway" not in w.tags:
                return
            if "surface" not in w.tags and "tracktype" not in w.tags:
                untagged.add(f"w{w.id}")
            else:
                odd[f"w{w.id}"] = (w.tags.get("surface"), w.tags.get("tracktype"))

    Ways().apply_file(str(pbf))
    toml = tmp_path / "county.toml"
    toml.write_text(
        f'name = "Andorra"\n[layers.roads]\npath = "{pbf}"\n[layers.villages]\npath = "{pbf}"\n',
        encoding="utf-8",
    )
    county = load_county(toml)
    roads = county.layer("roads")
    missing = roads["surface"].isna().to_numpy()
    assert missing.sum() > 1000  # 1,099 of 1,331 roads in this extract
    # io/osm: a way without surface or tracktype is unknown (None), never taken as unpaved
    unknown_ids = set(roads.loc[missing, "id"].astype(str))
    assert untagged & set(roads["id"].astype(str)) <= unknown_ids
    for extra in unknown_ids - untagged:  # tagged, but with a value that is no surface
        assert normalize_surface(*odd[extra]) is None
    result = compute_access(county)
    note = result.quality.get("unknown_surface")
    km = float(roads.length[missing].sum()) / 1000
    assert note is not None and note.count == int(missing.sum())
    assert note.km == pytest.approx(km, rel=1e-6)
    assert note.share == pytest.approx(km / (float(roads.length.sum()) / 1000), abs=1e-3)
    low, high = result.summary["villages_connected_range"]
    assert low == result.summary["villages_connected"] < high
    paved = compute_access(county, params=AccessParams(unknown_surface="paved"))
    assert paved.summary["villages_connected"] == high
    assert np.isclose(result.summary["unknown_surface_share"], note.share, atol=1e-4)


def test_demo_index_lists_the_notes(unknown_county):
    from roadnet.demo import DemoStep, _note_quality

    step = DemoStep(name="access", title="通硬化路")
    _note_quality(step, compute_access(unknown_county), lang="zh")
    # the county's notes come first: its townships and a stop given by name, rewritten to ids
    county = [note.key for note in unknown_county.quality]
    assert county == ["villages_township_from_name", "bus_lines_stops_from_name"]
    assert len(step.notes) == 4 and step.notes[2].startswith("注意：1 条道路（")
    assert step.notes[3].startswith("注意：1 个建制村（占 25.0%）没有人口数，农村公路可达指数")
