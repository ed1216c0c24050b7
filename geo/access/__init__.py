"""Walking access: distances, homes, coverage, service areas, doorstep circles, gaps."""
