"""The noded road network of the sample county: pieces between junctions, nodes and routing.

A small routing helper on scipy sparse graphs, used to lay out bus lines, projects and
patrol trips. It is not the package's analysis network (that is built from the layers).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyproj
import shapely
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components, dijkstra
from shapely import LineString

from roadnet.sample.lines import node_lines, vertex_keys
from roadnet.sample.roads import RoadDraft
from roadnet.sample.terrain import GEOGRAPHIC_EPSG, METRIC_EPSG


@dataclass
class RoadNetwork:
    """Road pieces (each between two junctions or ends) with their nodes.

    Attributes
    ----------
    geometry
        LineStrings (m, EPSG:4546).
    draft
        Index of the draft road each piece belongs to.
    u, v
        Node index at the first and last vertex.
    length
        Planar length (m).
    nodes
        ``(n, 2)`` node coordinates.
    """

    geometry: np.ndarray
    draft: np.ndarray
    u: np.ndarray
    v: np.ndarray
    length: np.ndarray
    nodes: np.ndarray
    _cache: dict[tuple[bytes, bytes], csr_matrix] = field(
        default_factory=dict, repr=False, compare=False
    )

    @classmethod
    def from_pieces(cls, geometry: np.ndarray, draft: np.ndarray) -> RoadNetwork:
        """Build nodes from piece end points (matched to the millimetre)."""
        geometry = np.asarray(geometry, dtype=object)
        first = shapely.get_coordinates(shapely.get_point(geometry, 0))
        last = shapely.get_coordinates(shapely.get_point(geometry, -1))
        ends = np.vstack([first, last])
        origin = (float(ends[:, 0].min()) - 1.0, float(ends[:, 1].min()) - 1.0)
        _, index, inverse = np.unique(
            vertex_keys(ends, origin), return_index=True, return_inverse=True
        )
        n = len(geometry)
        return cls(
            geometry=geometry,
            draft=np.asarray(draft, dtype=np.int64),
            u=inverse[:n].astype(np.int64),
            v=inverse[n:].astype(np.int64),
            length=np.asarray(shapely.length(geometry), dtype=float),
            nodes=ends[index],
        )

    @property
    def node_count(self) -> int:
        """Number of nodes."""
        return len(self.nodes)

    def matrix(
        self, mask: np.ndarray | None = None, weight: np.ndarray | None = None
    ) -> csr_matrix:
        """Symmetric sparse adjacency (shortest parallel piece wins) of the masked pieces.

        The last few matrices are cached (keyed by a digest of mask and weights).
        """
        import hashlib

        key = (
            b"" if mask is None else hashlib.sha1(np.asarray(mask, dtype=bool).tobytes()).digest(),
            b""
            if weight is None
            else hashlib.sha1(np.asarray(weight, dtype=float).tobytes()).digest(),
        )
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        if len(self._cache) >= 4:
            self._cache.pop(next(iter(self._cache)))
        self._cache[key] = self._matrix(mask, weight)
        return self._cache[key]

    def _matrix(self, mask: np.ndarray | None, weight: np.ndarray | None) -> csr_matrix:
        keep = np.ones(len(self.u), dtype=bool) if mask is None else np.asarray(mask, dtype=bool)
        w = self.length if weight is None else np.asarray(weight, dtype=float)
        u, v, w = self.u[keep], self.v[keep], np.maximum(w[keep], 1e-6)
        loops = u != v
        u, v, w = u[loops], v[loops], w[loops]
        rows = np.concatenate([u, v])
        cols = np.concatenate([v, u])
        data = np.concatenate([w, w])
        # keep the lightest of parallel pieces
        order = np.lexsort((data, cols, rows))
        rows, cols, data = rows[order], cols[order], data[order]
        first = np.ones(len(rows), dtype=bool)
        first[1:] = (rows[1:] != rows[:-1]) | (cols[1:] != cols[:-1])
        n = self.node_count
        return csr_matrix((data[first], (rows[first], cols[first])), shape=(n, n))

    def lookup(
        self, mask: np.ndarray | None = None, weight: np.ndarray | None = None
    ) -> dict[tuple[int, int], int]:
        """Piece index of the lightest masked piece between two nodes (key: sorted pair)."""
        keep = np.ones(len(self.u), dtype=bool) if mask is None else np.asarray(mask, dtype=bool)
        w = self.length if weight is None else np.asarray(weight, dtype=float)
        table: dict[tuple[int, int], int] = {}
        for e in np.flatnonzero(keep)[np.argsort(-w[keep], kind="stable")]:
            a, b = int(self.u[e]), int(self.v[e])
            table[(min(a, b), max(a, b))] = int(e)
        return table

    def components(self, mask: np.ndarray | None = None) -> np.ndarray:
        """Connected-component label of every node over the masked pieces."""
        _, labels = connected_components(self.matrix(mask), directed=False)
        return np.asarray(labels, dtype=np.int64)

    def shortest(
        self,
        source: int,
        mask: np.ndarray | None = None,
        weight: np.ndarray | None = None,
        *,
        limit: float = np.inf,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Distances and predecessors from one node (scipy Dijkstra, up to ``limit``)."""
        dist, pred = dijkstra(
            self.matrix(mask, weight),
            directed=False,
            indices=source,
            return_predecessors=True,
            limit=limit,
        )
        return np.asarray(dist), np.asarray(pred, dtype=np.int64)

    def path(
        self, pred: np.ndarray, target: int, table: dict[tuple[int, int], int]
    ) -> list[tuple[int, bool]]:
        """Pieces from the Dijkstra source to ``target``: ``(piece, forward)`` in order."""
        steps: list[tuple[int, bool]] = []
        node = int(target)
        while pred[node] >= 0:
            prev = int(pred[node])
            e = table[(min(prev, node), max(prev, node))]
            steps.append((e, int(self.u[e]) == prev))
            node = prev
        steps.reverse()
        return steps

    def polyline(self, steps: list[tuple[int, bool]]) -> np.ndarray:
        """Vertices of a path given as ``(piece, forward)`` steps."""
        parts = []
        for k, (e, forward) in enumerate(steps):
            coords = np.asarray(self.geometry[e].coords)
            if not forward:
                coords = coords[::-1]
            parts.append(coords if k == 0 else coords[1:])
        return np.vstack(parts) if parts else np.empty((0, 2))

    def snap(
        self, points: np.ndarray, mask: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Nearest piece, distance (m) and nearest point for each point.

        Parameters
        ----------
        points
            ``(n, 2)`` coordinates (m).
        mask
            Pieces allowed (all by default).
        """
        allowed = np.flatnonzero(np.ones(len(self.u), dtype=bool) if mask is None else mask)
        tree = shapely.STRtree(self.geometry[allowed])
        geoms = shapely.points(np.asarray(points, dtype=float))
        (src, dst), dist = tree.query_nearest(geoms, return_distance=True, all_matches=False)
        piece = np.full(len(geoms), -1, dtype=np.int64)
        distance = np.full(len(geoms), np.inf)
        piece[src] = allowed[dst]
        distance[src] = dist
        at = shapely.line_locate_point(self.geometry[piece], geoms)
        nearest = shapely.get_coordinates(shapely.line_interpolate_point(self.geometry[piece], at))
        return piece, distance, nearest

    def split(
        self, piece: np.ndarray, points: np.ndarray, *, tolerance: float = 1.0
    ) -> RoadNetwork:
        """A network where the given pieces are split at the given points (on them).

        Points within ``tolerance`` m of a piece end are moved onto that end instead.
        """
        geometry = list(self.geometry)
        draft = list(self.draft)
        by_piece: dict[int, list[np.ndarray]] = {}
        for e, p in zip(
            np.asarray(piece, dtype=np.int64), np.asarray(points, dtype=float), strict=True
        ):
            by_piece.setdefault(int(e), []).append(p)
        replaced: dict[int, list[LineString]] = {}
        for e in sorted(by_piece):
            line = geometry[e]
            cuts = sorted({round(float(line.project(shapely.Point(p))), 6) for p in by_piece[e]})
            cuts = [c for c in cuts if tolerance < c < line.length - tolerance]
            if cuts:
                replaced[e] = _cut(line, cuts, by_piece[e])
        new_geometry: list[LineString] = []
        new_draft: list[int] = []
        for e, line in enumerate(geometry):
            for part in replaced.get(e, [line]):
                new_geometry.append(part)
                new_draft.append(draft[e])
        return RoadNetwork.from_pieces(
            np.asarray(new_geometry, dtype=object), np.asarray(new_draft)
        )


def _cut(line: LineString, cuts: list[float], points: list[np.ndarray]) -> list[LineString]:
    """Cut a line at distances ``cuts`` using the exact given points as the new vertices."""
    coords = np.asarray(line.coords)
    seg = np.hypot(*np.diff(coords, axis=0).T)
    cum = np.concatenate([[0.0], np.cumsum(seg)])
    exact = {}
    for p in points:
        exact[round(float(line.project(shapely.Point(p))), 6)] = np.asarray(p, dtype=float)
    pieces = []
    start_xy = coords[0]
    start_at = 0.0
    for c in [*cuts, None]:
        if c is None:
            inner = coords[(cum > start_at)]
            part = np.vstack([start_xy, inner])
        else:
            inner = coords[(cum > start_at) & (cum < c)]
            cut_xy = exact[c]
            part = np.vstack([start_xy, inner, cut_xy])
            start_xy, start_at = cut_xy, c
        pieces.append(LineString(part))
    return pieces


def build_network(drafts: list[RoadDraft]) -> tuple[RoadNetwork, np.ndarray]:
    """Node the drafts and keep the largest connected part.

    Returns
    -------
    network, kept
        The network and a boolean per draft telling whether any of it was kept.
    """
    pieces, parent = node_lines([d.line for d in drafts])
    network = RoadNetwork.from_pieces(pieces, parent)
    labels = network.components()
    sizes = np.bincount(labels[network.u], weights=network.length)
    main = int(np.argmax(sizes))
    keep = labels[network.u] == main
    network = RoadNetwork.from_pieces(network.geometry[keep], network.draft[keep])
    kept = np.zeros(len(drafts), dtype=bool)
    kept[network.draft] = True
    return network, kept


def surfaces(network: RoadNetwork, drafts: list[RoadDraft]) -> np.ndarray:
    """Surface of every piece (from its draft)."""
    return np.asarray([drafts[d].surface for d in network.draft], dtype=object)


def classes(network: RoadNetwork, drafts: list[RoadDraft]) -> np.ndarray:
    """Road class of every piece (from its draft)."""
    return np.asarray([drafts[d].cls for d in network.draft], dtype=object)


def nearest_node(network: RoadNetwork, x: float, y: float) -> int:
    """Index of the node nearest to ``(x, y)``."""
    return int(np.argmin(np.hypot(network.nodes[:, 0] - x, network.nodes[:, 1] - y)))


def paved_access(
    network: RoadNetwork,
    drafts: list[RoadDraft],
    points: np.ndarray,
    seat: tuple[float, float],
    *,
    connector_m: float = 500.0,
) -> np.ndarray:
    """Whether each point reaches the county seat over paved roads only.

    A point is connected when the nearest paved piece is within ``connector_m`` and lies in
    the paved component holding the seat (the DESIGN.md hardened-road rule).
    """
    paved = surfaces(network, drafts) == "paved"
    labels = network.components(paved)
    seat_label = labels[nearest_node(network, *seat)]
    piece, dist, _ = network.snap(points, paved)
    return (dist <= connector_m) & (labels[network.u[piece]] == seat_label)


def unpave_township_roads(
    rng: np.random.Generator,
    network: RoadNetwork,
    drafts: list[RoadDraft],
    admin_xy: np.ndarray,
    admin_served_township: np.ndarray,
    seat: tuple[float, float],
    *,
    low: float = 0.19,
    high: float = 0.27,
) -> None:
    """Turn township roads to gravel until some administrative villages lose paved access.

    Stops when a share in [low, high] of administrative villages lacks an all-paved road
    to the seat (changes ``drafts`` in place).

    Roads in townships without bus service are picked three times as often, so that the
    bus lines there would have no paved road to run on (as in the report's county).
    """
    candidates = [i for i, d in enumerate(drafts) if d.origin == "township"]
    township_of_admin = admin_served_township
    served_weight = np.asarray(
        [1.0 if township_of_admin[drafts[i].township] else 3.0 for i in candidates]
    )
    order = np.asarray(candidates)[
        np.argsort(-(rng.random(len(candidates)) ** (1.0 / served_weight)), kind="stable")
    ]
    n = len(admin_xy)
    batch = max(1, int(round(len(candidates) / 200)))
    for start in range(0, len(order), batch):
        group = [int(i) for i in order[start : start + batch]]
        for i in group:
            drafts[i].surface = "gravel"
        share = 1.0 - float(paved_access(network, drafts, admin_xy, seat).sum()) / n
        if share > high:
            for i in group:
                drafts[i].surface = "paved"
            continue
        if share >= low:
            return


def geodesic_lengths(geometry: np.ndarray) -> np.ndarray:
    """Ellipsoidal (GRS80) length in metres of lines given in EPSG:4546."""
    to_geo = pyproj.Transformer.from_crs(METRIC_EPSG, GEOGRAPHIC_EPSG, always_xy=True)
    coords, index = shapely.get_coordinates(geometry, return_index=True)
    if len(coords) == 0:
        return np.zeros(len(geometry))
    lon, lat = to_geo.transform(coords[:, 0], coords[:, 1])
    same = index[1:] == index[:-1]
    _, _, dist = pyproj.Geod(ellps="GRS80").inv(lon[:-1], lat[:-1], lon[1:], lat[1:])
    out = np.zeros(len(geometry))
    np.add.at(out, index[1:][same], np.asarray(dist)[same])
    return out
