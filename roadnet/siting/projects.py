"""Projects read from a file that is not the county's (``roadnet siting --projects P``)."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pyproj

from roadnet.county import load_county
from roadnet.errors import LayerError, ReadError
from roadnet.manifest import LayerSource, Manifest
from roadnet.schema import canonical_layer_name


def load_projects(
    path: str | Path,
    *,
    crs: pyproj.CRS,
    layer: str | None = None,
    fields: dict[str, str] | None = None,
) -> gpd.GeoDataFrame:
    """Read a projects layer from a GeoPackage, shapefile or GeoJSON, as a county would.

    The file goes through the county loader (:func:`roadnet.county.load_county`): the same
    field aliases (项目名称, 项目类型, 用地宽度 ...), value vocabularies, CRS and geometry
    checks, projected into ``crs``.

    Parameters
    ----------
    path
        The file.
    crs
        The county's metric CRS (``County.crs``).
    layer
        Layer inside a multi-layer file; by default the one named ``projects`` (or 项目)
        when there is one, else the only layer.
    fields
        Canonical field → column name, as ``fields`` in county.toml.

    Returns
    -------
    geopandas.GeoDataFrame
        The validated projects in ``crs``. What loading dropped or changed (the loader's
        :class:`~roadnet.quality.DataQuality`) is in ``attrs["data_quality"]``;
        :func:`~roadnet.siting.compute_siting` adds it to its result's notes.

    Raises
    ------
    ReadError
        The file is missing or unreadable.
    ValidationError
        The layer has errors (missing id, unknown kind, invalid polygon ...), all listed.
    """
    path = Path(path)
    if not path.exists():
        raise ReadError(f"{path}: no such file (--projects)")
    source = LayerSource(
        "projects", paths=(path,), layer=layer or _default_layer(path), fields=fields or {}
    )
    manifest = Manifest(
        name=path.stem, root=path.parent, path=None, crs=crs, layers={"projects": source}
    )
    loaded = load_county(manifest, layers=["projects"])
    frame = loaded.layer("projects")
    frame.attrs["source"] = str(path)
    if loaded.quality:
        # what loading the file dropped or changed travels with the frame to the result
        frame.attrs["data_quality"] = loaded.quality
    return frame


def _default_layer(path: Path) -> str | None:
    import pyogrio

    try:
        listed = [str(row[0]) for row in pyogrio.list_layers(path)]
    except Exception as exc:  # pyogrio raises DataSourceError and friends
        raise ReadError(f"{path}: not a readable vector file: {exc}") from exc
    if len(listed) <= 1:
        return None
    named = [name for name in listed if canonical_layer_name(name) == "projects"]
    if named:
        return named[0]
    raise LayerError(
        f"the file holds {len(listed)} layers ({', '.join(listed[:8])}) and none is named "
        "projects/项目; name the layer to read",
        layer="projects",
        source=str(path),
    )
