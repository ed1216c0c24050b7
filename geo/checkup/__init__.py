"""The city check-up (城市体检): units, indicators per unit and the issue ledger (问题台账)."""
