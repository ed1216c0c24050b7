"""Scenarios: interventions on the baseline, their safe storage, applying and comparing them."""
