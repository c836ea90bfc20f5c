"""The absolute loss on counts: a response with hundreds of points tied at its median.

One path (30 lams, the library's grid, elastic net at l1_ratio 0.5) per penalty on a standard
normal design with Poisson counts ``y ~ Poisson(exp(0.3 x_1))`` (seeded): about a third of the
points equal the median.  Prints, per penalty, the lams left uncertified (an exact solver that
does not finish) and the CPU seconds of the path (``time.process_time``: the number to read on a
shared machine).

    python benchmarks/bench_lad_ties.py 2000 100
    python benchmarks/bench_lad_ties.py 4000 200 --penalties l1 elasticnet
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from normbench.models.paths import penalized_path

PENALTIES = ("none", "l1", "l2", "elasticnet")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int)
    parser.add_argument("p", type=int)
    parser.add_argument("--penalties", nargs="+", choices=PENALTIES, default=list(PENALTIES))
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    X = rng.standard_normal((args.n, args.p))
    y = rng.poisson(np.exp(0.3 * X[:, 0])).astype(float)
    print(f"n={args.n} p={args.p}: {int(np.sum(y == np.median(y)))} points tied at the median")
    for penalty in args.penalties:
        start = time.process_time()
        fitted = penalized_path(
            X,
            y,
            loss="l1",
            penalty=penalty,
            n_lams=30,
            l1_ratio=0.5 if penalty == "elasticnet" else None,
        )
        seconds = time.process_time() - start
        uncertified = np.flatnonzero(~np.asarray(fitted.solved.converged)).tolist()
        print(f"{penalty:<11} uncertified lams {uncertified}  {seconds:.1f} CPU s", flush=True)


if __name__ == "__main__":
    main()
