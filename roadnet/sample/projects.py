"""The bureau's 2023 road projects, as the report lists them.

"3 network links, 6 village hardening roads, 17 repair projects and 1 continuing project:
27 in all" (the report also writes "9 village hardening" once; the total of 27 only holds
with 6). Network links are new alignments closing gaps between dead ends; village paving
follows the gravel or earth road of a natural village without hardened access; repairs and
the continuing project follow existing roads.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely
import shapely.ops
from scipy.spatial import cKDTree
from shapely import LineString

from roadnet.sample.lines import meander
from roadnet.sample.network import RoadNetwork, classes, nearest_node, paved_access, surfaces
from roadnet.sample.roads import RoadDraft

KIND_COUNTS = {"network_link": 3, "village_paving": 6, "repair": 17, "continuing": 1}
DEFAULT_WIDTH_M = {"network_link": 7.5, "village_paving": 4.5, "repair": 6.5, "continuing": 6.5}
_COST_WAN_PER_KM = {
    "network_link": 260.0,
    "village_paving": 85.0,
    "repair": 38.0,
    "continuing": 180.0,
}
_STATUS = {
    "network_link": "land_procedures",
    "village_paving": "land_procedures",
    "repair": "completed",
    "continuing": "completed",
}


def plan_projects(
    rng: np.random.Generator,
    network: RoadNetwork,
    drafts: list[RoadDraft],
    villages: pd.DataFrame,
    seat: tuple[float, float],
    boundary: shapely.Geometry,
    *,
    scale: float,
    farmland: np.ndarray,
    forest: np.ndarray,
    redline: np.ndarray,
) -> pd.DataFrame:
    """The year's projects: geometry (m, EPSG:4546) and attributes.

    Parameters
    ----------
    boundary
        County outline (m): project footprints stay inside it, where the parcels are.
    farmland, forest, redline
        Polygons (m) of permanent basic farmland, forest parcels and the red line, used to
        pick network links that cross farmland and forest and touch the red line (the
        approvals the report says are pending).

    Returns
    -------
    pandas.DataFrame
        ``id``, ``name``, ``kind``, ``width_m``, ``year``, ``status``, ``investment_wan``,
        ``length_km``, ``piece`` (road piece followed, or -1), ``village`` (row of the
        village connected, or -1), ``geometry``.
    """
    factor = max(1, round(scale))
    rows: list[dict[str, object]] = []
    xy = villages[["x", "y"]].to_numpy()
    names = villages["name"].to_numpy()
    name_tree = cKDTree(xy)

    def place(point: np.ndarray) -> str:
        return str(names[int(name_tree.query(point)[1])])

    def between(a: np.ndarray, b: np.ndarray) -> str:
        first = place(a)
        _, near = name_tree.query(b, k=3)
        second = next(
            (str(names[int(k)]) for k in np.atleast_1d(near) if names[int(k)] != first), first
        )
        return f"{first}至{second}"

    def chainage(e: int, part: LineString) -> str:
        route = drafts[network.draft[e]]
        full = route.line
        ends = np.asarray(part.coords)[[0, -1]]
        at = sorted(float(full.project(shapely.Point(p))) for p in ends)
        k = [f"K{int(m // 1000)}+{int(m % 1000):03d}" for m in at]
        return f"{route.route_code}线{k[0]}—{k[1]}段"

    inside = shapely.buffer(boundary, -10.0)
    shapely.prepare(inside)
    within = np.asarray(inside.covers(network.geometry), dtype=bool)
    farm_tree = shapely.STRtree(farmland)
    forest_tree = shapely.STRtree(forest)
    red_tree = shapely.STRtree(redline)

    def crossings(line: LineString, width: float) -> tuple[bool, bool, bool]:
        foot = line.buffer(width / 2.0, cap_style="flat")
        return (
            len(farm_tree.query(foot, predicate="intersects")) > 0,
            len(forest_tree.query(foot, predicate="intersects")) > 0,
            len(red_tree.query(foot, predicate="intersects")) > 0,
        )

    # network links: dead ends close in a straight line but far apart along the roads
    degree = np.bincount(np.concatenate([network.u, network.v]), minlength=network.node_count)
    dead = np.flatnonzero(degree == 1)
    tree = cKDTree(network.nodes[dead])
    pairs = tree.query_pairs(7000.0, output_type="ndarray")
    pairs = pairs[
        np.hypot(*(network.nodes[dead[pairs[:, 0]]] - network.nodes[dead[pairs[:, 1]]]).T) > 2500.0
    ]
    options = []
    if len(pairs):
        picked = pairs[rng.permutation(len(pairs))[: 400 + 40 * factor]]
        start_node = dead[picked[:, 0]]
        end_node = dead[picked[:, 1]]
        along_all = np.empty(len(picked))
        for node in np.unique(start_node):
            same = np.flatnonzero(start_node == node)
            along_all[same] = network.shortest(int(node), limit=25000.0)[0][end_node[same]]
        for na, nb, along in zip(start_node.tolist(), end_node.tolist(), along_all, strict=True):
            straight = float(np.hypot(*(network.nodes[na] - network.nodes[nb])))
            if along < 3.0 * straight:
                continue
            coords = meander(
                rng, network.nodes[na], network.nodes[nb], step=80.0, bend=0.04, wiggle=0.004
            )
            line = LineString(coords)
            if not inside.covers(line):
                continue
            farm, wood, red = crossings(line, DEFAULT_WIDTH_M["network_link"])
            options.append((red, farm and wood, farm, wood, -straight, line, na, nb))
    options.sort(key=lambda o: (o[0], o[1], o[2], o[3], o[4]), reverse=True)
    links: list[tuple[LineString, int, int]] = []
    taken: set[int] = set()
    for option in options:
        if len(links) >= KIND_COUNTS["network_link"] * factor:
            break
        if option[6] in taken or option[7] in taken:
            continue
        links.append((option[5], option[6], option[7]))
        taken |= {option[6], option[7]}
        if len(links) == 1:
            # after the red-line link, prefer links crossing farmland and forest
            options.sort(key=lambda o: (o[1], o[2], o[3], o[4]), reverse=True)
    for line, _a, _b in links:
        coords = np.asarray(line.coords)
        rows.append(
            _row("network_link", f"{between(coords[0], coords[-1])}联网路工程", line, rng, -1, -1)
        )

    # village paving: the largest natural villages without hardened access
    natural = np.flatnonzero(villages["kind"].to_numpy() == "natural")
    connected = paved_access(network, drafts, xy[natural], seat)
    paved = surfaces(network, drafts) == "paved"
    piece, _, _ = network.snap(xy[natural])
    order = natural[~connected][
        np.argsort(-villages["population"].to_numpy()[natural[~connected]], kind="stable")
    ]
    order_piece = piece[~connected][
        np.argsort(-villages["population"].to_numpy()[natural[~connected]], kind="stable")
    ]
    labels = network.components(paved)
    seat_label = labels[nearest_node(network, *seat)]
    target_nodes = np.unique(np.concatenate([network.u[paved], network.v[paved]]))
    target_nodes = target_nodes[labels[target_nodes] == seat_label]
    table = network.lookup()
    used_pieces: set[int] = set()
    paving = 0
    for row, e in zip(order, order_piece, strict=True):
        if paving >= KIND_COUNTS["village_paving"] * factor:
            break
        start = min(
            (int(network.u[e]), int(network.v[e])),
            key=lambda n: np.hypot(*(network.nodes[n] - xy[row])),
        )
        dist, pred = network.shortest(start, limit=8000.0)
        reachable = target_nodes[np.isfinite(dist[target_nodes])]
        if len(reachable) == 0:
            continue
        goal = int(reachable[np.argmin(dist[reachable])])
        if dist[goal] > 8000.0 or dist[goal] < 800.0:
            continue
        steps = network.path(pred, goal, table)
        pieces = {s for s, _ in steps}
        if pieces & used_pieces or any(paved[s] or not within[s] for s in pieces):
            continue
        used_pieces |= pieces
        line = LineString(network.polyline(steps))
        rows.append(_row("village_paving", f"{names[row]}通硬化路工程", line, rng, -1, int(row)))
        paving += 1

    # repairs: stretches of paved county and township roads
    road_class = classes(network, drafts)
    eligible = np.flatnonzero(
        paved & np.isin(road_class, ["county", "township"]) & (network.length > 1500.0) & within
    )
    eligible = np.setdiff1d(
        eligible, np.fromiter(used_pieces, dtype=np.int64, count=len(used_pieces))
    )
    chosen = rng.choice(
        eligible,
        size=min(len(eligible), KIND_COUNTS["repair"] * factor),
        replace=False,
        p=network.length[eligible] / network.length[eligible].sum(),
    )
    for e in sorted(int(c) for c in chosen):
        line = network.geometry[e]
        span = min(line.length, rng.uniform(1500.0, 6000.0))
        begin = rng.uniform(0.0, line.length - span)
        part = shapely.ops.substring(line, begin, begin + span)
        kind_name = f"{chainage(e, part)}修复性养护工程"
        width = 7.0 if road_class[e] == "county" else 6.0
        rows.append(_row("repair", kind_name, part, rng, e, -1, width=width))

    # continuing: the longest gravel township road piece, being paved since 2022
    gravel = np.flatnonzero(
        (surfaces(network, drafts) == "gravel") & (road_class == "township") & within
    )
    for e in gravel[np.argsort(-network.length[gravel], kind="stable")][:factor]:
        line = network.geometry[e]
        ends = np.asarray(line.coords)
        name = f"{chainage(int(e), line)}（{between(ends[0], ends[-1])}）改建工程（续建）"
        rows.append(_row("continuing", name, line, rng, int(e), -1))

    kind_rank = {k: i for i, k in enumerate(KIND_COUNTS)}
    rows.sort(key=lambda r: kind_rank[str(r["kind"])])
    frame = pd.DataFrame(rows)
    width = 2 if len(frame) < 100 else 3
    frame.insert(0, "id", [f"P2023-{i + 1:0{width}d}" for i in range(len(frame))])
    return frame


def _row(
    kind: str,
    name: str,
    line: LineString,
    rng: np.random.Generator,
    piece: int,
    village: int,
    *,
    width: float | None = None,
) -> dict[str, object]:
    km = line.length / 1000.0
    return {
        "name": name,
        "kind": kind,
        "width_m": width if width is not None else DEFAULT_WIDTH_M[kind],
        "year": 2023,
        "status": _STATUS[kind],
        "investment_wan": round(km * _COST_WAN_PER_KM[kind] * float(rng.uniform(0.85, 1.15)), 1),
        "length_km": round(km, 3),
        "piece": piece,
        "village": village,
        "geometry": line,
    }
