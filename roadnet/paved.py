"""Hardened-road access (通硬化路) of villages, and the Rural Access Index.

A village is connected (建制村通硬化路 / 公路通畅) when it reaches the county seat over roads
whose surface is ``paved`` only, with a straight connector of at most ``connector_m`` (500 m)
from the village to the paved road. The Rural Access Index (SDG 9.1.1) is the share of
population within ``rai_radius_m`` (2 km) of an all-season (paved or gravel) road.

As in coverage, the village counts and the population are those of administrative villages;
natural villages are listed apart, and the unconnected ones of either kind are ranked by
population as candidates for 通硬化路 projects.

Roads without a surface value
-----------------------------
A road whose ``surface`` is empty (no 路面类型 in the file; an OSM way with neither a
``surface`` nor a ``tracktype`` tag) is of *unknown* surface. Real extracts have many (3,159 of
12,407 roads in one OSM extract), so how they are counted is a parameter,
:attr:`AccessParams.unknown_surface`, and is always stated (the ``unknown_surface`` note of
:attr:`AccessResult.quality`, the headline):

``unpaved`` (default)
    An unknown road is neither hardened nor all-season (as an earth road): it connects no
    village and does not count for the RAI. The figures are lower bounds.
``paved``
    An unknown road is hardened (and so all-season for the RAI). Upper bounds.
``exclude``
    Unknown roads are left out of the road network altogether: they connect nothing, do not
    count for the RAI and are not in the road totals (``roads_km``, ``all_season_km``). The
    village and RAI figures equal those of ``unpaved``; only the totals are of the roads
    whose surface is known.

Gravel roads are all-season for the RAI whatever the rule; an unknown road is never taken
for gravel. When unknown roads exist, the summary's ``villages_connected_range`` gives the
administrative villages connected when they are all unpaved and when they are all paved.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from roadnet.county import County
from roadnet.errors import ConfigError, LayerError
from roadnet.formatting import MISSING, format_count, format_km, format_percent
from roadnet.network import RoadGraph, build_graph, distances_from_sources, snap_points
from roadnet.parameters import require_number
from roadnet.quality import DataQuality, QualityNote

#: How roads without a surface value may be counted (see the module docstring).
UNKNOWN_SURFACE_RULES = ("unpaved", "paved", "exclude")

#: How the county seat was chosen (``AccessResult.seat["source"]``): zh, en.
SEAT_SOURCES: dict[str, tuple[str, str]] = {
    "option": ("由 --seat 指定", "given with --seat"),
    "county_toml": ("由 county.toml 的 seat 指定", "named by seat in county.toml"),
    "seat_flag": (
        "标为驻地（seat）的村（多个时取人口最多者）",
        "the village marked as seat (the most populous one when several are)",
    ),
    "seat_flag_first": (
        "标为驻地（seat）的村均无人口，取第一个",
        "the first village marked as seat (none has a population)",
    ),
    "most_populous": (
        "没有村标为驻地（seat），取人口最多的村",
        "no village is marked as seat: the most populous village",
    ),
    "first_village": (
        "没有村标为驻地（seat），也没有人口，取第一个村",
        "no village is marked as seat and none has a population: the first village",
    ),
}
_GUESSED = ("seat_flag_first", "most_populous", "first_village")


@dataclass(frozen=True)
class AccessParams:
    """Parameters of the hardened-road and RAI rules.

    Attributes
    ----------
    connector_m
        Largest straight distance (metres) from a village to the paved road.
    rai_radius_m
        Rural Access Index radius (metres) around all-season roads.
    hardened
        Surfaces that count as hardened.
    all_season
        Surfaces that count as all-season for the RAI.
    seat
        Id or name of the county seat village; by default the ``seat`` village with the
        largest population (or the county.toml ``seat`` key).
    unknown_surface
        How roads without a surface value count: ``unpaved`` (default), ``paved`` or
        ``exclude`` (see the module docstring).
    """

    connector_m: float = 500.0
    rai_radius_m: float = 2000.0
    hardened: tuple[str, ...] = ("paved",)
    all_season: tuple[str, ...] = ("paved", "gravel")
    seat: str | None = None
    unknown_surface: str = "unpaved"

    def __post_init__(self) -> None:
        object.__setattr__(self, "connector_m", require_number(self.connector_m, what="connector"))
        object.__setattr__(
            self, "rai_radius_m", require_number(self.rai_radius_m, what="rai_radius_m")
        )
        if self.seat is not None and not isinstance(self.seat, str):
            object.__setattr__(self, "seat", str(self.seat))
        if self.unknown_surface not in UNKNOWN_SURFACE_RULES:
            raise ConfigError(
                f"unknown_surface must be one of {', '.join(UNKNOWN_SURFACE_RULES)}, "
                f"not {str(self.unknown_surface)[:40]!r}"
            )


@dataclass(frozen=True)
class AccessResult:
    """The answer of :func:`compute_access`.

    Attributes
    ----------
    params
        The parameters used.
    county
        County name.
    seat
        The county seat: ``id``, ``name``, ``connected``, ``paved_connector_m`` and
        ``source`` (how it was chosen, a key of :data:`SEAT_SOURCES`).
    villages
        Every village with ``connected``, ``paved_distance_m`` (metres, inf when not
        connected), ``paved_connector_m`` and ``all_season``.
    candidates
        Unconnected villages, most populous first (``population`` is NA when unknown).
    summary
        The headline figures.
    quality
        What the data could not tell (the county's notes, then the analysis's own:
        ``unknown_surface``, ``seat_guessed``, ``rai_population_missing``).
    """

    params: AccessParams
    county: str
    seat: dict[str, Any]
    villages: gpd.GeoDataFrame
    candidates: pd.DataFrame
    summary: dict[str, Any]
    quality: DataQuality = field(default_factory=DataQuality)

    def to_json(self) -> dict[str, Any]:
        """JSON document: summary, villages, natural villages, candidates, data_quality."""
        admin = self.villages["kind"] == "administrative"
        return {
            "county": self.county,
            "seat": self.seat,
            "summary": self.summary,
            "villages": [_village_json(r) for r in self.villages[admin].itertuples(index=False)],
            "natural_villages": [
                _village_json(r) for r in self.villages[~admin].itertuples(index=False)
            ],
            "candidates": [_candidate_json(r) for r in self.candidates.to_dict(orient="records")],
            "data_quality": self.quality.to_json(),
        }

    def headline(self, *, lang: str = "zh") -> str:
        """The headline figures in one sentence (with the unknown-surface rule when it matters)."""
        s = self.summary
        rate = format_percent(s["connected_rate"])
        rai = format_percent(s["rai"])
        total, connected = format_count(s["villages_total"]), format_count(s["villages_connected"])
        rule = _rule_clause(self.summary, lang=lang)
        known = s["rai"] is not None  # no village gives a population: no RAI (a note says so)
        if lang == "en":
            index = f"; Rural Access Index {rai}" if known else ""
            return (
                f"{connected} of {total} administrative villages reach the county seat by "
                f"hardened road ({rate}){index}{rule}."
            )
        index = f"，农村公路可达指数（RAI）{rai}" if known else ""
        return (
            f"{total} 个建制村中 {connected} 个通硬化路（建制村公路通畅率 {rate}）{index}{rule}。"
        )

    def seat_line(self, *, lang: str = "zh") -> str:
        """Which village is the county seat, and how it was chosen."""
        how = SEAT_SOURCES.get(str(self.seat.get("source")), (MISSING, MISSING))
        name, ident = self.seat.get("name") or MISSING, self.seat.get("id") or MISSING
        if lang == "en":
            return f"County seat: {name} ({ident}), {how[1]}."
        return f"县城：{name}（{ident}），{how[0]}。"


def _rule_clause(summary: dict[str, Any], *, lang: str) -> str:
    km = summary.get("unknown_surface_km") or 0.0
    if km <= 0:
        return ""
    rule = summary.get("unknown_surface_rule", "unpaved")
    text = format_km(km)
    if lang == "en":
        how = {"unpaved": "counted as unpaved", "paved": "counted as paved"}.get(rule, "left out")
        return f" ({text} km of road with unknown surface {how})"
    how_zh = {"unpaved": "按未硬化计", "paved": "按硬化计"}.get(rule, "不计入路网")
    return f"（路面类型不详的道路 {text} 公里{how_zh}）"


def _village_json(r: Any) -> dict[str, Any]:
    return {
        "id": r.id,
        "name": r.name,
        "township": None if _is_na(r.township) else r.township,
        "population": None if pd.isna(r.population) else int(r.population),
        "connected": bool(r.connected),
        "paved_distance_m": None
        if not np.isfinite(r.paved_distance_m)
        else round(float(r.paved_distance_m), 1),
        "paved_connector_m": None
        if not np.isfinite(r.paved_connector_m)
        else round(float(r.paved_connector_m), 1),
        "all_season_within_radius": bool(r.all_season),
    }


def _candidate_json(row: dict[str, Any]) -> dict[str, Any]:
    return {k: None if _is_na(v) else v for k, v in row.items()}


def _is_na(value: Any) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def find_seat(villages: pd.DataFrame, *, seat: str | None = None) -> int:
    """Row position of the county seat among the villages.

    ``seat`` names it by id or name; otherwise the ``seat`` village with the largest
    population, otherwise the most populous village.
    """
    return choose_seat(villages, seat=seat)[0]


def choose_seat(
    villages: pd.DataFrame, *, seat: str | None = None, source: str = "option"
) -> tuple[int, str]:
    """Row position of the county seat, and how it was chosen (a key of :data:`SEAT_SOURCES`).

    Parameters
    ----------
    villages
        The villages layer.
    seat
        Id or name of the seat, if one was given.
    source
        Where ``seat`` came from (``option`` or ``county_toml``).

    Raises
    ------
    ConfigError
        ``seat`` is neither a village id nor a village name.
    LayerError
        There are no villages.
    """
    if seat is not None:
        for column in ("id", "name"):
            if column in villages.columns:
                hits = np.flatnonzero(villages[column].astype(str).to_numpy() == str(seat))
                if len(hits):
                    return int(hits[0]), source
        where = "--seat" if source == "option" else 'seat = "..." in county.toml'
        raise ConfigError(
            f"county seat '{str(seat)[:80]}' ({where}) is neither a village id nor a village "
            "name; give the id or the exact name of a village"
        )
    if len(villages) == 0:
        raise LayerError("no villages to find the county seat among", layer="villages")
    known = (
        villages["population"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
        if "population" in villages.columns
        else np.full(len(villages), np.nan)
    )
    population = np.nan_to_num(known, nan=-1.0)
    if "seat" in villages.columns:
        flagged = villages["seat"].fillna(False).astype(bool).to_numpy()
        if flagged.any():
            candidates = np.flatnonzero(flagged)
            if len(candidates) > 1 and not np.isfinite(known[candidates]).any():
                return int(candidates[0]), "seat_flag_first"
            return int(candidates[np.argmax(population[candidates])]), "seat_flag"
    if not np.isfinite(known).any():
        return 0, "first_village"
    return int(np.argmax(population)), "most_populous"


def _unknown_mask(values: np.ndarray) -> np.ndarray:
    """True where a surface value is missing (None, NaN, NA or blank text)."""
    series = pd.Series(values, dtype=object)
    blank = series.map(lambda v: isinstance(v, str) and not v.strip())
    return (series.isna() | blank).to_numpy(dtype=bool)


def _connected(
    paved: RoadGraph, points: np.ndarray, seat_row: int, connector_m: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Paved distance to the seat (inf when not connected), connector, and connected flags."""
    vsnap = snap_points(paved, points, max_distance=connector_m)
    if paved.n_edges == 0 or vsnap.edge[seat_row] < 0:
        distance = np.full(len(points), np.inf)
        return distance, vsnap.connector, np.zeros(len(points), dtype=bool)
    reach = distances_from_sources(paved, vsnap.take(np.array([seat_row])), vsnap)
    return reach.distance, vsnap.connector, np.isfinite(reach.distance)


def compute_access(
    county: County,
    *,
    params: AccessParams | None = None,
    graph: RoadGraph | None = None,
) -> AccessResult:
    """Hardened-road connection of every village to the county seat, and the RAI.

    Parameters
    ----------
    county
        Needs ``roads`` (with ``surface``) and ``villages``.
    params
        Thresholds, surfaces and the rule for roads without a surface value.
    graph
        A routing graph of the county's roads, to reuse one across calls.

    Raises
    ------
    LayerError
        No road has a surface (and unknown surfaces are not counted as paved), or the
        county seat is farther than ``connector_m`` from every paved road.
    ConfigError
        The seat named does not exist.
    """
    params = params or AccessParams()
    villages = county.layer("villages", purpose="access")
    roads = county.layer("roads", purpose="access")
    known_any = "surface" in roads.columns and not _unknown_mask(roads["surface"].to_numpy()).all()
    if not known_any and params.unknown_surface != "paved":
        raise LayerError(
            "no road has a surface (paved/gravel/earth), so hardened-road access cannot be "
            "computed; add a 路面类型 / surface field, or count roads of unknown surface as "
            "paved with --unknown-surface paved",
            layer="roads",
            field="surface",
        )
    full = graph or build_graph(roads)
    surface = (
        full.edge_attribute("surface")
        if "surface" in full.roads.columns
        else np.full(full.n_edges, None, dtype=object)
    )
    unknown = _unknown_mask(surface)
    hardened = np.isin(surface, params.hardened) & ~unknown
    all_season_edges = np.isin(surface, params.all_season) & ~unknown
    if params.unknown_surface == "paved":
        hardened |= unknown
        all_season_edges |= unknown
    network = full.subgraph(~unknown) if params.unknown_surface == "exclude" else full
    in_network = ~unknown if params.unknown_surface == "exclude" else np.ones(full.n_edges, bool)

    seat_name = params.seat
    seat_source = "option"
    if seat_name is None and county.manifest.extra.get("seat") is not None:
        seat_name, seat_source = str(county.manifest.extra["seat"]), "county_toml"
    seat_row, seat_source = choose_seat(villages, seat=seat_name, source=seat_source)
    points = villages.geometry.to_numpy()

    distance, connector, connected = _connected(
        full.subgraph(hardened), points, seat_row, params.connector_m
    )

    near = np.zeros(len(points), bool)
    if all_season_edges.any():
        tree = shapely.STRtree(full.edge_geometry[all_season_edges])
        hit = tree.query(points, predicate="dwithin", distance=params.rai_radius_m)[0]
        near[np.unique(hit)] = True

    out = villages.copy()
    if "population" not in out.columns:
        out["population"] = pd.array([pd.NA] * len(out), dtype="Int64")
    if "township" not in out.columns:
        out["township"] = None
    out["connected"] = connected
    out["paved_distance_m"] = distance
    out["paved_connector_m"] = connector
    out["all_season"] = near
    admin = (out["kind"] == "administrative").to_numpy()
    known_pop = out["population"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    pop = np.nan_to_num(known_pop, nan=0.0)
    seat = villages.iloc[seat_row]
    seat_info: dict[str, Any] = {
        "id": str(seat.get("id")),
        "name": str(seat.get("name")),
        "connected": bool(connected[seat_row]),
        "paved_connector_m": _finite(connector[seat_row]),
        "source": seat_source,
    }
    if not connected[seat_row]:
        raise LayerError(
            f"the county seat {seat_info['name'][:80]} ({seat_info['id'][:40]}, "
            f"{SEAT_SOURCES[seat_source][1]}) is more than {params.connector_m:.0f} m from any "
            "paved road, so no village can be connected; check the roads' surface field, name "
            'the seat with --seat or seat = "..." in county.toml, or count roads of unknown '
            "surface as paved with --unknown-surface paved",
            layer="villages",
            feature=seat_info["id"],
        )
    names = _township_names(county)
    unconnected = out[~connected].assign(_pop=known_pop[~connected])
    candidates = unconnected.sort_values(
        "_pop", ascending=False, kind="stable", na_position="last"
    ).head(30)
    candidate_table = pd.DataFrame(
        {
            "id": candidates["id"].astype(str),
            "name": candidates["name"].astype(str),
            "kind": candidates["kind"].astype(str),
            "township": [_township_name(t, names) for t in candidates["township"]],
            "population": pd.array(
                [None if np.isnan(p) else int(p) for p in candidates["_pop"]], dtype="Int64"
            ),
            "paved_connector_m": [_finite(v) for v in candidates["paved_connector_m"]],
        }
    ).reset_index(drop=True)
    total_pop = float(pop[admin].sum())
    roads_m = float(full.edge_length.sum())
    unknown_m = float(full.edge_length[unknown].sum())
    summary: dict[str, Any] = {
        "villages_total": int(admin.sum()),
        "villages_connected": int((connected & admin).sum()),
        "connected_rate": _rate(int((connected & admin).sum()), int(admin.sum())),
        "natural_villages_total": int((~admin).sum()),
        "natural_villages_connected": int((connected & ~admin).sum()),
        "population_total": int(total_pop),
        "population_connected": int(pop[admin & connected].sum()),
        "rai": None if total_pop == 0 else round(float(pop[admin & near].sum()) / total_pop, 4),
        "rai_radius_m": float(params.rai_radius_m),
        "paved_km": round(float(full.edge_length[hardened].sum()) / 1000.0, 3),
        "all_season_km": round(
            float(full.edge_length[all_season_edges & in_network].sum()) / 1000.0, 3
        ),
        "roads_km": round(float(network.edge_length.sum()) / 1000.0, 3),
        "unknown_surface_km": round(unknown_m / 1000.0, 3),
        "unknown_surface_share": None if roads_m == 0 else round(unknown_m / roads_m, 6),
        "unknown_surface_rule": params.unknown_surface,
    }
    notes: list[QualityNote | None] = [
        _seat_note(seat_info, villages),
        _rai_population_note(out[admin], known_pop[admin]),
    ]
    if unknown.any():
        other = hardened & ~unknown if params.unknown_surface == "paved" else hardened | unknown
        _, _, connected_other = _connected(
            full.subgraph(other), points, seat_row, params.connector_m
        )
        counts = sorted((int((connected & admin).sum()), int((connected_other & admin).sum())))
        summary["villages_connected_range"] = counts
        notes.insert(0, _unknown_note(full, unknown, params.unknown_surface, counts))
    return AccessResult(
        params=params,
        county=county.name,
        seat=seat_info,
        villages=out,
        candidates=candidate_table,
        summary=summary,
        quality=county.quality.merge(DataQuality(tuple(n for n in notes if n is not None))),
    )


def _unknown_note(
    graph: RoadGraph, unknown: np.ndarray, rule: str, connected_range: list[int]
) -> QualityNote:
    """The ``unknown_surface`` note: how many roads and km, their share, the rule."""
    roads_unknown = np.unique(graph.edge_road[unknown])
    ids = graph.roads["id"].astype(str).to_numpy()[roads_unknown] if "id" in graph.roads else []
    km = float(graph.edge_length[unknown].sum()) / 1000.0
    total = float(graph.edge_length.sum()) / 1000.0
    share = km / total if total > 0 else None
    count = len(roads_unknown)
    low, high = connected_range
    how_zh = {
        "unpaved": "按未硬化计（不算硬化路，也不算 RAI 的全天候道路）",
        "paved": "按硬化路计（也算 RAI 的全天候道路）",
        "exclude": "不计入路网（不连通村庄，不算全天候道路，不计入道路总里程）",
    }[rule]
    how_en = {
        "unpaved": "counted as unpaved (neither hardened nor all-season for the RAI)",
        "paved": "counted as paved (and all-season for the RAI)",
        "exclude": "left out of the road network (no connection, not all-season, not in the "
        "road totals)",
    }[rule]
    others = " / ".join(f"--unknown-surface {r}" for r in UNKNOWN_SURFACE_RULES if r != rule)
    return QualityNote(
        "unknown_surface",
        text_zh=(
            f"{format_count(count)} 条道路（{format_km(km)} 公里，占道路总里程 "
            f"{format_percent(share)}）没有路面类型（路面类型字段为空，或 OSM 无 surface/"
            f"tracktype 标签），{how_zh}；按此规则与全按硬化计，通硬化路建制村在 "
            f"{format_count(low)}–{format_count(high)} 个之间；可用 {others} 改变"
        ),
        text_en=(
            f"{format_count(count)} roads ({format_km(km)} km, {format_percent(share)} of the "
            f"road length) have no surface value (empty surface field, or no OSM surface/"
            f"tracktype tag): {how_en}; between {format_count(low)} and {format_count(high)} "
            f"administrative villages are connected whether they are unpaved or paved; "
            f"change it with {others}"
        ),
        layer="roads",
        count=count,
        km=km,
        share=share,
        rule=rule,
        ids=tuple(str(i) for i in ids),
    )


def _rai_population_note(villages: pd.DataFrame, population: np.ndarray) -> QualityNote | None:
    """``rai_population_missing``: administrative villages without a population figure.

    The Rural Access Index is a share of people: a village without a population counts for
    nothing in it, and with none given there is no index at all.
    """
    missing = np.isnan(population)
    n, total = int(missing.sum()), len(population)
    if n == 0:
        return None
    share = n / total
    if n == total:
        zh = "建制村都没有人口数，农村公路可达指数（RAI，按人口计）无法计算；请填写“人口”字段"
        en = (
            "no administrative village has a population figure, so the Rural Access Index "
            "(a share of people) cannot be computed: fill in the population field"
        )
        rule = "not_computed"
    else:
        zh = (
            f"{format_count(n)} 个建制村（占 {format_percent(share)}）没有人口数，"
            "农村公路可达指数（RAI，按人口计）不计这些村；请填写“人口”字段"
        )
        en = (
            f"{format_count(n)} of {format_count(total)} administrative villages have no "
            "population figure and count for nothing in the Rural Access Index (a share of "
            "people): fill in the population field"
        )
        rule = "excluded"
    return QualityNote(
        "rai_population_missing",
        text_zh=zh,
        text_en=en,
        layer="villages",
        count=n,
        share=share,
        rule=rule,
        ids=tuple(str(i) for i in villages.loc[missing, "id"]),
    )


def _seat_note(seat: dict[str, Any], villages: pd.DataFrame) -> QualityNote | None:
    """The ``seat_guessed`` note when no one named the seat and the data does not mark it."""
    source = str(seat["source"])
    if source not in _GUESSED:
        return None
    how_zh, how_en = SEAT_SOURCES[source]
    return QualityNote(
        "seat_guessed",
        text_zh=(
            f"县城取{seat['name']}（{seat['id']}）：{how_zh}；请用 --seat 或 county.toml 的 "
            'seat = "..." 指定'
        ),
        text_en=(
            f"the county seat was taken to be {seat['name']} ({seat['id']}): {how_en}; name it "
            'with --seat or seat = "..." in county.toml'
        ),
        layer="villages",
        count=1,
        rule=source,
        ids=(str(seat["id"]),),
    )


def _township_names(county: County) -> dict[str, str]:
    townships = county.layers.get("townships")
    if townships is None or not {"id", "name"} <= set(townships.columns):
        return {}
    return dict(zip(townships["id"].astype(str), townships["name"].astype(str), strict=True))


def _township_name(value: Any, names: dict[str, str]) -> str | None:
    """The township's name (its id looked up), the value itself, or None when missing."""
    if _is_na(value) or not str(value).strip():
        return None
    return names.get(str(value), str(value))


def _finite(value: float) -> float | None:
    return round(float(value), 1) if np.isfinite(value) else None


def _rate(part: int, whole: int) -> float | None:
    return None if whole == 0 else round(part / whole, 4)
