"""roadnet: bus coverage, road access, patrol mileage and project siting for county bureaus.

The public API::

    import roadnet
    county = roadnet.load_county("layers/county.toml")
    villages = county.layer("villages")      # in the county's metric CRS (metres)
"""

from roadnet.county import County, inspect_county, load_county
from roadnet.errors import (
    ConfigError,
    LayerError,
    MissingLayerError,
    Problem,
    ReadError,
    RoadnetError,
    ValidationError,
)

__all__ = [
    "ConfigError",
    "County",
    "LayerError",
    "MissingLayerError",
    "Problem",
    "ReadError",
    "RoadnetError",
    "ValidationError",
    "inspect_county",
    "load_county",
]
__version__ = "0.1.0"
