"""Administrative areas (街道, 社区/居委) and per-area summaries of an analysis.

:mod:`geo.areas.boundaries` reads area polygons from a planner's file or from OSM;
:mod:`geo.areas.summary` counts each area's homes, residents served and gap hexagons by
the district's own rules, so that the areas add up to the district.
"""
