"""Resident-needs surveys (问需): reading and checking answers, compounds, priorities."""
