"""Residents the user can see and correct: per compound (小区) assumptions and overrides.

:mod:`.compounds` groups homes into compounds, :mod:`.overrides` holds the user's
corrections (saved with the district), :mod:`.building_file` reads ``building:levels`` /
``height`` from a user file, :mod:`.estimate` applies them to the homes and tabulates the
result, :mod:`.checks` lists implausible building values and :mod:`.elderly` weights the
elderly items by an elderly share and a slower walking speed.
"""
