"""Datasets: the simulators, the semi-synthetic generator and the dataset contract."""
