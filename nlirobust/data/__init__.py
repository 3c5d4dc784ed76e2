"""Data layer: one schema for every NLI pair (see `nlirobust.data.schema`)."""
