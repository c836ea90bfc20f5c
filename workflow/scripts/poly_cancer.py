# workflow/scripts/poly_cancer.py
"""Job script of rule poly_cancer: a p >> n dataset on a real design, with a known truth.

Config entry (every key of ``params`` is optional; these are the defaults)::

    poly_cancer:
      generator: poly_cancer
      params:
        n_train: 60                 # training rows; the other rows of the 569 are the test set
        p: 400                      # degree-2 terms kept, of 495
        n_nonzero: 8                # true nonzero coefficients, at random columns
        amplitude: 1.0              # their absolute value (random signs)
        noise: {family: student_t, df: 2, snr: 3.0}   # a family of the simulator, and its SNR

The population is the 569 rows of the expanded design, each column standardised over them: the
training and test rows are drawn from it without replacement, so its covariance ``sigma`` is
known exactly, and with it the model error of every fit.
"""

from _normbench_job import run_job

DEFAULTS = {
    "n_train": 60,
    "p": 400,
    "n_nonzero": 8,
    "amplitude": 1.0,
    "noise": {"family": "student_t", "df": 2.0, "snr": 3.0},
}


def main(snakemake):
    import numpy as np
    from sklearn.datasets import load_breast_cancer
    from sklearn.preprocessing import PolynomialFeatures

    from normbench.data.contract import write_dataset
    from normbench.data.noise import noise_scale, sample_noise
    from normbench.data.simulate import dataset_seed

    params = {**DEFAULTS, **snakemake.params.entry.get("params", {})}
    unknown = sorted(set(params) - set(DEFAULTS))
    if unknown:
        raise ValueError(f"unknown params {unknown}; allowed are {sorted(DEFAULTS)}")

    # The design: every degree-2 term of the standardised columns, the first p kept (the 30
    # columns, then their squares and products), each standardised over all 569 rows.
    base = load_breast_cancer().data
    base = (base - base.mean(axis=0)) / base.std(axis=0)
    terms = PolynomialFeatures(degree=2, include_bias=False).fit_transform(base)
    n_rows, p = len(terms), int(params["p"])
    n_train, n_nonzero = int(params["n_train"]), int(params["n_nonzero"])
    if not 1 <= p <= terms.shape[1]:
        raise ValueError(f"params.p must be in [1, {terms.shape[1]}], got {p}")
    if not 2 <= n_train < n_rows:
        raise ValueError(f"params.n_train must be in [2, {n_rows - 1}], got {n_train}")
    if not 0 <= n_nonzero <= p:
        raise ValueError(f"params.n_nonzero must be in [0, {p}], got {n_nonzero}")
    X = terms[:, :p]
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    sigma = X.T @ X / n_rows  # the population covariance: the columns have mean 0 over the rows

    # dataset_seed returns a numpy SeedSequence; spawn one child stream per random draw.
    dataset = snakemake.wildcards.dataset
    replicate = int(snakemake.wildcards.replicate)
    seed = dataset_seed(snakemake.params.seed, dataset, replicate)
    split_rng, coef_rng, noise_rng = (np.random.default_rng(child) for child in seed.spawn(3))

    coef = np.zeros(p)
    support = coef_rng.choice(p, size=n_nonzero, replace=False)
    coef[support] = float(params["amplitude"]) * coef_rng.choice([-1.0, 1.0], size=n_nonzero)
    f = X @ coef
    signal_variance = float(coef @ sigma @ coef)
    noise = dict(params["noise"])
    scale = noise_scale(signal_variance, float(noise.pop("snr", 3.0)))
    y = f + sample_noise(noise_rng, n_rows, scale, noise)

    order = split_rng.permutation(n_rows)
    train, test = order[:n_train], order[n_train:]
    arrays = {
        "X_train": X[train],
        "y_train": y[train],
        "X_test": X[test],
        "y_test": y[test],
        "coef": coef,  # the support and estimation metrics
        "f_test": f[test],  # the risk
        "sigma": sigma,  # with coef: the model error
    }
    metadata = {
        "generator": "poly_cancer",
        "dataset": dataset,
        "replicate": replicate,
        "base_seed": snakemake.params.seed,
        "params": params,
        "intercept": 0.0,  # the intercept error
        "signal_variance": signal_variance,  # the PVE (with the noise's variance), relative risk
        "noise_scale": scale,  # Huber's delta against the noise scale
        "noise": noise,  # family and parameters: the noise's true variance (t with 2 df: none)
    }
    write_dataset(snakemake.output.npz, arrays, metadata)


run_job(main, snakemake)  # noqa: F821 (`snakemake` is defined by Snakemake's script preamble)
