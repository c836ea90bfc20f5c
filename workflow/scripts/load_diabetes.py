"""Job script of rule load_diabetes: one random train/test split of the diabetes data.

Config entry::

    diabetes:
      generator: load_diabetes
      params: {test_fraction: 0.3}   # optional; share of the 442 patients held out

A real dataset has no true coefficients or noise-free signal, so only the required arrays are
written and the metrics that need the others are reported as missing.
"""

from _normbench_job import run_job


def main(snakemake):
    import numpy as np
    from sklearn.datasets import load_diabetes

    from normbench.data.contract import write_dataset
    from normbench.data.simulate import dataset_seed

    test_fraction = float(snakemake.params.entry["params"].get("test_fraction", 0.3))
    if not 0 < test_fraction < 1:
        raise ValueError(f"params.test_fraction must be in (0, 1), got {test_fraction}")
    dataset = snakemake.wildcards.dataset
    replicate = int(snakemake.wildcards.replicate)
    seed = dataset_seed(snakemake.params.seed, dataset, replicate)

    X, y = load_diabetes(return_X_y=True)
    order = np.random.default_rng(seed).permutation(len(y))
    n_test = round(test_fraction * len(y))
    test, train = order[:n_test], order[n_test:]
    arrays = {"X_train": X[train], "y_train": y[train], "X_test": X[test], "y_test": y[test]}
    metadata = {
        "generator": "load_diabetes",
        "dataset": dataset,
        "replicate": replicate,
        "base_seed": snakemake.params.seed,
        "test_fraction": test_fraction,
    }
    write_dataset(snakemake.output.npz, arrays, metadata)


run_job(main, snakemake)  # noqa: F821 (`snakemake` is defined by Snakemake's script preamble)
