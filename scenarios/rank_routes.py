"""Rank candidate routes for a new line with the roadnet library (a scenario as a script).

For each of the most populous administrative villages without bus service, try a line from
the county seat to it (routed along roads, two trips a day) and rank the candidates by the
population they bring within 2 km of a stop per kilometre of line. The road graph is built
once and reused by every candidate.

    .venv/bin/python scenarios/rank_routes.py [layers/county.toml] [--top 10]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import roadnet as rn


def main() -> None:
    """Print a ranking of candidate lines."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    here = Path(__file__).resolve().parent
    parser.add_argument("county", nargs="?", default=here.parent / "layers" / "county.toml")
    parser.add_argument("--top", type=int, default=10, help="how many candidates to try")
    args = parser.parse_args()

    county = rn.load_county(args.county)
    graph = rn.build_graph(county.layer("roads"))
    today = rn.coverage(county, graph=graph)
    villages = today.villages
    unserved = villages[(villages["kind"] == "administrative") & ~villages["served"]]
    candidates = unserved.sort_values("population", ascending=False).head(args.top)
    layer = county.layer("villages")
    seat = str(layer["name"].iloc[rn.find_seat(layer)])

    rows = []
    for village in candidates.itertuples():
        line = {
            "op": "add_line",
            "id": "CAND",
            "name": f"{seat}—{village.name}",
            "stops": [seat, village.name],
            "trips_per_day": 2,
        }
        applied = rn.apply_changes(county, [line], graph=graph)
        result = rn.coverage(applied.county, graph=applied.graph)
        gained = result.summary["population_served"] - today.summary["population_served"]
        length = float(result.lines.set_index("id").loc["CAND", "length_km"])
        rows.append((gained / length, gained, length, village.name, village.township))

    print(f"{'排名':>4} {'目的村':<10} {'线路(公里)':>10} {'新增服务人口':>12} {'人/公里':>8}")
    for rank, (per_km, gained, length, name, _township) in enumerate(
        sorted(rows, reverse=True), start=1
    ):
        print(f"{rank:>4} {name:<10} {length:>10.1f} {gained:>12,} {per_km:>8.0f}")


if __name__ == "__main__":
    main()
