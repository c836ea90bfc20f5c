"""A study: its config, the fit job, metrics, oracles and the results store."""
