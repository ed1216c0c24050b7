"""A planner's own files: tables in any encoding, coordinate systems, facility lists, population."""
