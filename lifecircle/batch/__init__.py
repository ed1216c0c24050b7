"""Running the check-up over many sources at once (Dask)."""
