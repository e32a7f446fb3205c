"""Coverage per township, and the note when the townships come from the villages' values."""

from __future__ import annotations

import math

import pandas as pd

from roadnet.county import County
from roadnet.quality import QualityNote


def township_table(county: County, villages: pd.DataFrame) -> pd.DataFrame:
    """Per township: administrative villages served, share and population.

    The townships are the county's ``townships`` layer, else the villages' distinct
    ``township`` values; a township is served when one of its administrative villages or its
    seat is. Empty (with the columns) when neither gives townships.
    """
    columns = [
        "id",
        "name",
        "villages_total",
        "villages_served",
        "served",
        "share",
        "population_total",
        "population_served",
    ]
    townships = county.layers.get("townships")
    if townships is not None and len(townships):
        base = pd.DataFrame({"id": townships["id"].astype(str), "name": townships["name"]})
    elif villages["township"].notna().any():
        ids = sorted(villages["township"].dropna().astype(str).unique())
        base = pd.DataFrame({"id": ids, "name": ids})
    else:
        return pd.DataFrame(columns=columns)
    v = villages.assign(township=villages["township"].astype("string"))
    admin = v["kind"] == "administrative"
    seat = v["seat"].fillna(False).astype(bool) if "seat" in v.columns else False
    rows = []
    for tid, name in zip(base["id"], base["name"], strict=True):
        here = v["township"] == tid
        a = here & admin
        served_here = (a & v["served"]) | (here & seat & v["served"])
        total = int(a.sum())
        n_served = int((a & v["served"]).sum())
        rows.append(
            {
                "id": tid,
                "name": name,
                "villages_total": total,
                "villages_served": n_served,
                "served": bool(served_here.any()),
                "share": n_served / total if total else math.nan,
                "population_total": int(v.loc[a, "population"].fillna(0).sum()),
                "population_served": int(v.loc[a & v["served"], "population"].fillna(0).sum()),
            }
        )
    return pd.DataFrame(rows, columns=columns)


def townships_from_villages(county: County, villages: pd.DataFrame) -> QualityNote | None:
    """Without a townships layer the townships are the villages' values: say so.

    One township written two ways (its code here, its name there) then counts twice; the
    note says when the values mix codes and names.
    """
    townships = county.layers.get("townships")
    if (townships is not None and len(townships)) or not villages["township"].notna().any():
        return None
    values = sorted(villages["township"].dropna().astype(str).unique())
    codes = [v for v in values if v.isdigit()]
    mixed = 0 < len(codes) < len(values)
    listed = "、".join(values[:8]) + (" …" if len(values) > 8 else "")
    text_zh = (
        f"无乡镇图层：{len(values)} 个乡镇取自村庄的所属乡镇字段（{listed}）"
        + ("；其中既有代码又有名称，同一乡镇可能被计为两个" if mixed else "")
        + "；请添加 [layers.townships] 图层"
    )
    text_en = (
        f"no townships layer: the {len(values)} townships are the villages' township values "
        f"({', '.join(values[:8])}{' …' if len(values) > 8 else ''})"
        + ("; they mix codes and names, so one township may count twice" if mixed else "")
        + "; add a [layers.townships] layer"
    )
    return QualityNote(
        "townships_from_villages",
        text_zh=text_zh,
        text_en=text_en,
        layer="villages",
        count=len(values),
        rule="codes_and_names_mixed" if mixed else "distinct_values",
        ids=tuple(values),
    )
