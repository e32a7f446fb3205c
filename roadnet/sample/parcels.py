"""The land-use parcels (三调 DLTB), permanent basic farmland and the ecological red line.

Parcels are the tessellation's cells cut by explicit features, which win in this order:
road land (公路用地 1003 along national, provincial, county and township roads, 农村道路
1006 along village roads), river water (1101), lakes (1102), floodplain (1106), homesteads
(0702), ponds (1104), facility land (1202) and cemeteries (09), then shelter belts (0307)
along roads in farmland. What is left of each cell keeps the land use drawn at its seed:
cultivated land around villages and along rivers (水浇地 0102 near water, else 旱地 0103),
forest patches, sand, towns, and grassland everywhere else.

Parcels stay in the projected CGCS2000 Gauss-Krüger zone (EPSG:4546), as 三调 delivers them;
TBMJ is the ellipsoidal area, computed exactly in a GRS80 Lambert azimuthal equal-area
projection (equal to pyproj.Geod's geodesic polygon area to well under 0.01 %).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyproj
import shapely
from scipy.spatial import cKDTree

from roadnet.landuse import LAND_USES
from roadnet.sample.lines import chop_lines
from roadnet.sample.names import COUNTY_CODE, COUNTY_NAME
from roadnet.sample.network import RoadNetwork, classes
from roadnet.sample.roads import RoadDraft
from roadnet.sample.terrain import CENTRE_LONLAT, METRIC_EPSG, Land, blob
from roadnet.sample.tessellation import Tessellation, town_radius

ROAD_LAND_M = {
    "national": 30.0,
    "provincial": 26.0,
    "county": 16.0,
    "township": 10.0,
    "village": 5.0,
}
"""Width (m) of the road land strip along each class of road."""
STATE = "10"
COLLECTIVE = "30"
_STATE_CODES = {
    "1003",
    "1004",
    "1101",
    "1102",
    "0701",
    "05H1",
    "0508",
    "0601",
    "08H1",
    "08H2",
    "0809",
    "0810",
    "09",
}
_EQUAL_AREA = pyproj.Transformer.from_crs(
    f"EPSG:{METRIC_EPSG}",
    f"+proj=laea +lat_0={CENTRE_LONLAT[1]} +lon_0={CENTRE_LONLAT[0]} +ellps=GRS80 +units=m",
    always_xy=True,
)


def ellipsoidal_area(geoms: np.ndarray) -> np.ndarray:
    """Ellipsoidal (GRS80) area in m² of polygons given in EPSG:4546."""

    def forward(coords: np.ndarray) -> np.ndarray:
        x, y = _EQUAL_AREA.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    return np.asarray(shapely.area(shapely.transform(geoms, forward)), dtype=float)


@dataclass(frozen=True)
class LandParcels:
    """Parcels, basic farmland and red line, in EPSG:4546 (frames with a ``geometry``)."""

    parcels: pd.DataFrame
    basic_farmland: pd.DataFrame
    eco_redline: pd.DataFrame


def make_parcels(
    rng: np.random.Generator,
    land: Land,
    villages: pd.DataFrame,
    network: RoadNetwork,
    drafts: list[RoadDraft],
    tessellation: Tessellation,
) -> LandParcels:
    """Cut the tessellation into parcels and derive basic farmland and the red line."""
    features, codes = _features(rng, land, villages, network, drafts)
    features = _resolve(features)
    feature_code = np.asarray(codes, dtype=object)
    cells = _subtract(tessellation.cells, features)
    cell_code = _classify(rng, land, villages, tessellation)

    cell_parts, cell_index = shapely.get_parts(cells, return_index=True)
    feat_parts, feat_index = shapely.get_parts(features, return_index=True)
    geoms = np.concatenate([cell_parts, feat_parts])
    code = np.concatenate([cell_code[cell_index], feature_code[feat_index]])
    keep = (shapely.get_type_id(geoms) == 3) & (shapely.area(geoms) >= 0.01)
    geoms, code = geoms[keep], code[keep]
    village = np.concatenate([tessellation.village[cell_index], np.full(len(feat_parts), -1)])[keep]
    # features take the administrative village of the cell their inside point lies in
    missing = np.flatnonzero(village < 0)
    inside = shapely.point_on_surface(geoms[missing])
    tree = shapely.STRtree(tessellation.cells)
    src, dst = tree.query(inside, predicate="intersects")
    first = np.unique(src, return_index=True)[1]
    village[missing[src[first]]] = tessellation.village[dst[first]]
    lost = village < 0
    if lost.any():
        (s2, d2) = tree.query_nearest(inside[lost[missing]], all_matches=False)
        village[missing[np.flatnonzero(lost[missing])[s2]]] = tessellation.village[d2]

    geoms, code, village = _absorb_slivers(geoms, code, village)
    parcels = _attributes(rng, land, villages, geoms, code, village)
    farmland = _basic_farmland(rng, parcels)
    redline = _eco_redline(land, villages, parcels)
    return LandParcels(parcels=parcels, basic_farmland=farmland, eco_redline=redline)


def _features(
    rng: np.random.Generator,
    land: Land,
    villages: pd.DataFrame,
    network: RoadNetwork,
    drafts: list[RoadDraft],
) -> tuple[np.ndarray, list[str]]:
    """Explicit features in priority order (earlier wins) and their DLBM codes."""
    geoms: list[np.ndarray] = []
    codes: list[str] = []
    road_class = classes(network, drafts)
    order = {c: i for i, c in enumerate(ROAD_LAND_M)}
    rank = np.asarray([order[c] for c in road_class])
    sorted_pieces = np.argsort(rank, kind="stable")
    chopped, parent = chop_lines(network.geometry[sorted_pieces], 3000.0)
    parent_class = road_class[sorted_pieces][parent]
    width = np.asarray([ROAD_LAND_M[c] for c in parent_class])
    strips = shapely.buffer(chopped, width / 2.0, cap_style="flat", join_style="round", quad_segs=2)
    geoms.append(strips)
    codes += ["1006" if c == "village" else "1003" for c in parent_class]

    river_lines = np.asarray([r.line for r in land.rivers], dtype=object)
    river_width = np.asarray([r.width_m for r in land.rivers])
    if len(river_lines):
        chopped, parent = chop_lines(river_lines, 1500.0)
        geoms.append(
            shapely.buffer(chopped, river_width[parent] / 2.0, cap_style="flat", quad_segs=2)
        )
        codes += ["1101"] * len(chopped)
    geoms.append(np.asarray(land.lakes, dtype=object))
    codes += ["1102"] * len(land.lakes)
    if len(river_lines):
        # floodplain (内陆滩涂) along the main rivers, its width drifting from piece to piece
        main = np.asarray([r.main for r in land.rivers])
        chopped, parent = chop_lines(river_lines[main], 1500.0)
        drift = np.cumsum(rng.normal(0.0, 15.0, len(chopped)))
        reach = river_width[main][parent] / 2.0 + np.clip(70.0 + drift, 30.0, 140.0)
        geoms.append(shapely.buffer(chopped, reach, cap_style="flat", quad_segs=2))
        codes += ["1106"] * len(chopped)

    # homesteads of villages (seats are towns, drawn from the cells)
    xy = villages[["x", "y"]].to_numpy()
    own_pop = villages["population"].to_numpy().astype(float).copy()
    natural = villages["kind"].to_numpy() == "natural"
    np.subtract.at(own_pop, villages["admin"].to_numpy()[natural], own_pop[natural])
    homes = np.flatnonzero(~villages["seat"].to_numpy())
    radius = np.sqrt(np.maximum(own_pop[homes], 20.0) / 2.6 * 600.0 / math.pi)
    geoms.append(
        np.asarray(
            [
                blob(rng, (xy[i, 0], xy[i, 1]), float(r), roughness=0.25, vertices=20)
                for i, r in zip(homes, radius, strict=True)
            ],
            dtype=object,
        )
    )
    codes += ["0702"] * len(homes)
    extras = []
    extra_codes = []
    for i, r in zip(homes, radius, strict=True):
        if rng.random() < 0.35:
            angle = rng.uniform(0, 2 * math.pi)
            d = r + rng.uniform(80.0, 300.0)
            extras.append(
                blob(
                    rng,
                    (xy[i, 0] + d * math.cos(angle), xy[i, 1] + d * math.sin(angle)),
                    rng.uniform(40.0, 110.0),
                    vertices=12,
                )
            )
            extra_codes.append(str(rng.choice(["1202", "1104", "09"], p=[0.65, 0.25, 0.1])))
    geoms.append(np.asarray(extras, dtype=object))
    codes += extra_codes

    # shelter belts along county and township roads in farmland
    road_pieces = np.flatnonzero(np.isin(road_class, ["county", "township"]))
    mid = shapely.get_coordinates(
        shapely.line_interpolate_point(network.geometry[road_pieces], 0.5, normalized=True)
    )
    farming = land.farming(mid[:, 0], mid[:, 1])
    belt = road_pieces[(farming > -0.1) & (rng.random(len(road_pieces)) < 0.4)]
    if len(belt):
        chopped, parent = chop_lines(network.geometry[belt], 3000.0)
        reach = np.asarray([ROAD_LAND_M[c] for c in road_class[belt][parent]]) / 2.0 + rng.uniform(
            8.0, 16.0, len(chopped)
        )
        geoms.append(shapely.buffer(chopped, reach, cap_style="flat", quad_segs=2))
        codes += ["0307"] * len(chopped)
    features = np.concatenate([g for g in geoms if len(g)])
    clipped = features.copy()
    edge = np.flatnonzero(~shapely.contains_properly(land.boundary, features))
    clipped[edge] = shapely.intersection(features[edge], land.boundary)
    return clipped, codes


def _resolve(features: np.ndarray) -> np.ndarray:
    """Make features disjoint: each loses what overlaps any earlier one."""
    tree = shapely.STRtree(features)
    a, b = tree.query(features, predicate="intersects")
    earlier = b < a
    return _difference_rounds(features, a[earlier], features[b[earlier]])


def _subtract(cells: np.ndarray, features: np.ndarray) -> np.ndarray:
    """Cells minus every feature they overlap."""
    tree = shapely.STRtree(features)
    cell, feature = tree.query(cells, predicate="intersects")
    return _difference_rounds(cells, cell, features[feature])


def _difference_rounds(targets: np.ndarray, index: np.ndarray, cutters: np.ndarray) -> np.ndarray:
    """``targets[index[k]] -= cutters[k]`` for all k, vectorised by rounds."""
    out = targets.copy()
    if len(index) == 0:
        return out
    order = np.argsort(index, kind="stable")
    index, cutters = index[order], cutters[order]
    starts = np.r_[0, np.flatnonzero(np.diff(index)) + 1]
    rank = np.arange(len(index)) - np.repeat(starts, np.diff(np.r_[starts, len(index)]))
    for r in range(int(rank.max()) + 1):
        sel = rank == r
        out[index[sel]] = shapely.difference(out[index[sel]], cutters[sel])
    return out


def _absorb_slivers(
    geoms: np.ndarray, code: np.ndarray, village: np.ndarray, *, min_area: float = 200.0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Merge parts smaller than ``min_area`` m² into the neighbour they share most edge with.

    Cutting cells by roads leaves slivers no surveyor would map as parcels.
    """
    area = shapely.area(geoms)
    small = np.flatnonzero(area < min_area)
    if len(small) == 0:
        return geoms, code, village
    tree = shapely.STRtree(geoms)
    a, b = tree.query(geoms[small], predicate="intersects")
    a = small[a]
    ok = (a != b) & (area[b] >= min_area)
    a, b = a[ok], b[ok]
    shared = shapely.length(
        shapely.intersection(shapely.boundary(geoms[a]), shapely.boundary(geoms[b]))
    )
    best: dict[int, tuple[int, float]] = {}
    for i, j, s in zip(a, b, shared, strict=True):
        if s > 0.0 and (int(i) not in best or s > best[int(i)][1]):
            best[int(i)] = (int(j), float(s))
    sources = np.asarray(sorted(best), dtype=np.int64)
    if len(sources) == 0:
        return geoms, code, village
    targets = np.asarray([best[int(i)][0] for i in sources], dtype=np.int64)
    merged = geoms.copy()
    order = np.argsort(targets, kind="stable")
    sources, targets = sources[order], targets[order]
    starts = np.r_[0, np.flatnonzero(np.diff(targets)) + 1]
    rank = np.arange(len(targets)) - np.repeat(starts, np.diff(np.r_[starts, len(targets)]))
    for r in range(int(rank.max()) + 1):
        sel = rank == r
        merged[targets[sel]] = shapely.union(merged[targets[sel]], geoms[sources[sel]])
    keep = np.ones(len(geoms), dtype=bool)
    keep[sources] = False
    merged = merged[keep]
    single = shapely.get_type_id(merged) == 3
    # a union that did not close up stays as it was before (rare)
    restored = np.where(single, merged, geoms[keep])
    return restored, code[keep], village[keep]


def _classify(
    rng: np.random.Generator, land: Land, villages: pd.DataFrame, tessellation: Tessellation
) -> np.ndarray:
    """Land use (DLBM) of each cell, drawn at its seed."""
    x, y = tessellation.seeds[:, 0], tessellation.seeds[:, 1]
    n = len(x)
    xy = villages[["x", "y"]].to_numpy()
    pop = villages["population"].to_numpy().astype(float)
    d_village, nearest = cKDTree(xy).query(tessellation.seeds)
    reach = 1300.0 + 18.0 * np.sqrt(pop[nearest])
    d_river = land.river_distance(x, y)
    farming = land.farming(x, y)
    forest = land.forest(x, y)
    sand = land.sand(x, y)
    relief = land.relief(x, y)
    u = rng.random(n)
    if land.lakes:
        lakes = shapely.union_all(np.asarray(land.lakes, dtype=object))
        d_lake = np.asarray(shapely.distance(shapely.points(x, y), lakes))
    else:
        d_lake = np.full(n, np.inf)
    # towns around the seats
    seats = np.flatnonzero(villages["seat"].to_numpy())
    town_r = town_radius(villages["households"].to_numpy()[seats])
    town = np.full(n, -1)
    for k, (s, r) in enumerate(zip(seats, town_r, strict=True)):
        inside = np.hypot(x - xy[s, 0], y - xy[s, 1]) < r
        town[inside & (town < 0)] = k

    code = np.full(n, "0401", dtype=object)
    grass = rng.random(n)
    code[grass < 0.30] = "0404"
    code[grass > 0.94] = "0403"
    code[(grass > 0.92) & (grass <= 0.94)] = "0403K"
    code[(d_river < 600.0) & (grass < 0.5)] = "0402"
    cultivation = (
        1.5 * np.exp(-((d_village / reach) ** 2))
        + 0.55 * farming
        + 0.5 * np.exp(-d_river / 1500.0)
        - 0.35 * np.clip(relief, 0.0, None)
        + rng.normal(0.0, 0.18, n)
    )
    cultivated = cultivation > 0.8
    wet = (d_river < 2500.0) | (rng.random(n) < 0.12)
    code[cultivated] = np.where(wet[cultivated], "0102", "0103")
    garden = cultivated & (d_village < 900.0) & (u < 0.04)
    code[garden] = np.where(rng.random(int(garden.sum())) < 0.3, "0201", "0204")
    woods = (forest > 0.72) & ~garden
    code[woods] = np.where((d_village[woods] < 3000.0) | (d_river[woods] < 2000.0), "0301", "0305")
    code[woods & (u > 0.9)] = "0307"
    code[woods & (u < 0.06)] = np.where(
        rng.random(int((woods & (u < 0.06)).sum())) < 0.5, "0301K", "0307K"
    )
    sandy = (sand > 0.62) & (d_village > 1500.0)
    code[sandy] = np.where(rng.random(int(sandy.sum())) < 0.85, "1205", "1206")
    rocky = (relief > 0.75) & (d_village > 2500.0) & ~sandy
    code[rocky] = np.where(rng.random(int(rocky.sum())) < 0.5, "1207", "0305")
    salty = (d_lake < 1500.0) & (d_lake > 0.0)
    code[salty] = np.where(rng.random(int(salty.sum())) < 0.5, "1204", "0402")
    mine = (relief > 0.45) & (d_village > 3000.0) & (rng.random(n) < 0.006)
    code[mine] = "0602"
    idle = (d_village < 800.0) & (rng.random(n) < 0.01)
    code[idle] = "1201"
    ditch = cultivated & wet & (rng.random(n) < 0.01)
    code[ditch] = "1107"
    # towns
    in_town = town >= 0
    county_town = town == 0
    mix_codes = np.asarray(
        ["0701", "05H1", "0601", "08H1", "08H2", "0809", "0810", "1004", "0508", "1201", "0702"]
    )
    county_mix = np.asarray([0.42, 0.12, 0.08, 0.04, 0.07, 0.04, 0.04, 0.07, 0.04, 0.02, 0.06])
    township_mix = np.asarray([0.35, 0.10, 0.03, 0.06, 0.08, 0.03, 0.02, 0.06, 0.02, 0.03, 0.22])
    code[county_town] = mix_codes[
        rng.choice(len(mix_codes), size=int(county_town.sum()), p=county_mix)
    ]
    other_town = in_town & ~county_town
    code[other_town] = mix_codes[
        rng.choice(len(mix_codes), size=int(other_town.sum()), p=township_mix)
    ]
    return code


def _attributes(
    rng: np.random.Generator,
    land: Land,
    villages: pd.DataFrame,
    geoms: np.ndarray,
    code: np.ndarray,
    village: np.ndarray,
) -> pd.DataFrame:
    """The DLTB attribute table, numbered from north-west to south-east within villages."""
    ids = villages["id"].to_numpy()
    names = villages["name"].to_numpy()
    centre = shapely.get_coordinates(shapely.centroid(geoms))
    order = np.lexsort((np.round(centre[:, 0], 0), -np.round(centre[:, 1], -2), ids[village]))
    geoms, code, village, centre = geoms[order], code[order], village[order], centre[order]
    n = len(geoms)
    tbmj = np.round(ellipsoidal_area(geoms), 2)
    state = np.isin(code, list(_STATE_CODES))
    state_forest = (code == "0301") & (rng.random(n) < 0.15)
    state |= state_forest
    zldwdm = np.asarray([f"{v}0000000" for v in ids[village]], dtype=object)
    zldwmc = names[village]
    qsdwdm = np.where(state, f"{COUNTY_CODE}0000000000000", zldwdm)
    qsdwmc = np.where(
        state, f"{COUNTY_NAME}国有", np.asarray([f"{m}集体" for m in zldwmc], dtype=object)
    )
    cultivated = np.asarray([c.startswith("01") for c in code])
    relief = land.relief(centre[:, 0], centre[:, 1])
    grade = np.clip(np.floor((relief + 0.6) * 3.0 + rng.normal(0.0, 0.6, n)), 1, 5).astype(np.int64)
    low = np.asarray([0.0, 0.0, 0.02, 0.05, 0.09, 0.12])[grade]
    high = np.asarray([0.0, 0.0, 0.05, 0.09, 0.12, 0.15])[grade]
    kcxs = np.where(cultivated, np.round(rng.uniform(low, high), 4), 0.0)
    kcmj = np.round(tbmj * kcxs, 2)
    serial = pd.Series(zldwdm).groupby(zldwdm).cumcount().to_numpy() + 1
    return pd.DataFrame(
        {
            "BSM": np.arange(1, n + 1, dtype=np.int64) + 10_000_000,
            "TBBH": [str(s) for s in serial],
            "DLBM": code.astype(str),
            "DLMC": [LAND_USES[c].name_zh for c in code],
            "QSXZ": np.where(state, STATE, COLLECTIVE),
            "QSDWDM": qsdwdm.astype(str),
            "QSDWMC": qsdwmc.astype(str),
            "ZLDWDM": zldwdm.astype(str),
            "ZLDWMC": zldwmc.astype(str),
            "TBMJ": tbmj,
            "KCDLBM": pd.Series(["1203" if k > 0.0 else None for k in kcxs], dtype="object"),
            "KCXS": kcxs,
            "KCMJ": kcmj,
            "TBDLMJ": np.round(tbmj - kcmj, 2),
            "GDPDJB": pd.Series(
                [str(g) if c else None for g, c in zip(grade, cultivated, strict=True)],
                dtype="object",
            ),
            "category": [LAND_USES[c].category for c in code],
            "geometry": geoms,
        }
    )


def _basic_farmland(rng: np.random.Generator, parcels: pd.DataFrame) -> pd.DataFrame:
    """Permanent basic farmland: most flat cultivated parcels of 0.5 ha or more."""
    cultivated = parcels["DLBM"].str.startswith("01").to_numpy()
    flat = parcels["GDPDJB"].fillna("9").astype(str).to_numpy() <= "3"
    big = parcels["TBMJ"].to_numpy() >= 5000.0
    chosen = np.flatnonzero(cultivated & flat & big & (rng.random(len(parcels)) < 0.8))
    picked = parcels.iloc[chosen]
    return pd.DataFrame(
        {
            "JBNTTBBH": [f"{i + 1:06d}" for i in range(len(picked))],
            "DLBM": picked["DLBM"].to_numpy(),
            "TBMJ": picked["TBMJ"].to_numpy(),
            "JBNTMJ": picked["TBDLMJ"].to_numpy(),
            "BSM": picked["BSM"].to_numpy(),
            "geometry": picked["geometry"].to_numpy(),
        }
    )


def _eco_redline(land: Land, villages: pd.DataFrame, parcels: pd.DataFrame) -> pd.DataFrame:
    """Ecological red line zones.

    The main river's corridor away from the seat (水源涵养), and the largest sand and
    shrub zone (防风固沙); settlements are left out.
    """
    zones = []
    names = []
    seat = shapely.Point(land.seat)
    settlements = shapely.buffer(shapely.points(villages[["x", "y"]].to_numpy()), 400.0)
    exclusion = shapely.union_all(np.concatenate([settlements, [seat.buffer(6000.0)]]))
    main = [r for r in land.rivers if r.main]
    if main:
        river = main[0]
        corridor = shapely.buffer(river.line, 1200.0, quad_segs=4)
        corridor = shapely.difference(shapely.intersection(corridor, land.boundary), exclusion)
        parts = sorted(shapely.get_parts(corridor), key=lambda g: -g.area)
        if parts:
            zones.append(shapely.simplify(parts[0], 20.0))
            names.append("河流水源涵养生态保护红线")
    sandy = parcels["DLBM"].isin(["1205", "1206", "0305"]).to_numpy()
    if sandy.any():
        merged = shapely.union_all(
            shapely.buffer(parcels["geometry"].to_numpy()[sandy], 300.0, quad_segs=2)
        )
        merged = shapely.difference(shapely.intersection(merged, land.boundary), exclusion)
        parts = sorted(shapely.get_parts(merged), key=lambda g: -g.area)
        if parts and parts[0].area > 5e6:
            zones.append(
                shapely.simplify(shapely.buffer(shapely.buffer(parts[0], 500.0), -500.0), 20.0)
            )
            names.append("防风固沙生态保护红线")
    return pd.DataFrame(
        {
            "name": [f"{COUNTY_NAME}{n}" for n in names],
            "code": [f"{COUNTY_CODE}STBHHX{i + 1:02d}" for i in range(len(names))],
            "geometry": zones,
        }
    )
