"""Deliberation (议事): topics from residents' needs, alternatives, rounds of voting, minutes."""
