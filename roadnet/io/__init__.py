"""Readers and writers: vector files, OSM extracts, GTFS feeds, GPX tracks, atomic writes."""
