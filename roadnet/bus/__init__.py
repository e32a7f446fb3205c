"""Bus coverage: which administrative villages and townships the bus lines serve.

A village is served (建制村通客车) when a bus stop lies within ``radius_m`` (2,000 m by the
城乡道路客运一体化 evaluation rule). The default metric is network distance: the village
snaps to the nearest point of the nearest road edge, the straight connector counts, then the
distance along roads, undirected (people walk both ways on one-way roads). ``straight`` is
the straight-line alternative. A township is served when any of its administrative villages
(or its seat) is served.

Village counts are of administrative villages (建制村/行政村/嘎查); population figures are
the administrative villages' populations. Natural villages are reported apart.

Every unserved village gets a reason (``unserved_reason``): ``off_network`` (its connector
to the nearest road exceeds ``off_network_m``), ``disconnected`` (no stop some line calls at
lies on its road piece: the piece is cut off from the roads the buses use — a digitising gap
``--join N`` closes, or a road missing from the extract) or ``too_far`` (reachable, but
beyond the radius). Under the straight metric every unserved village is ``too_far``. What the
data could not tell (villages and stops on disconnected pieces, stops off the network, the
two directions of a route merged into one line, lines without a timetable) is counted in
:attr:`CoverageResult.quality`.

The package holds one concept per module: :mod:`~roadnet.bus.params` (the rule),
:mod:`~roadnet.bus.compute` (distances and flags), :mod:`~roadnet.bus.townships` and
:mod:`~roadnet.bus.line_table` (the per-township and per-line tables),
:mod:`~roadnet.bus.quality` (the notes) and :mod:`~roadnet.bus.result` (the answer and the
outputs it builds).
"""

from roadnet.bus.compute import compute_coverage
from roadnet.bus.params import METRICS, CoverageParams
from roadnet.bus.result import UNSERVED_REASONS, CoverageResult

__all__ = ["METRICS", "UNSERVED_REASONS", "CoverageParams", "CoverageResult", "compute_coverage"]
