"""Check a study's config files before running it: ``python -m normbench.study.check_config FILE``.

Snakemake reads a ``--configfile`` itself, before the workflow's own checks run, and on a
YAML syntax error says only that the file "is not valid JSON or YAML". This command reads the
files as the workflow does (duplicate keys refused, syntax errors with file, line and column),
validates the study against the schema and prints one line: the problem, or a summary.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from normbench.study.config import (
    SCHEMA_PATH,
    ConfigError,
    ReplicatePlan,
    load_study_config,
)

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Check config files; return 0 when the study is valid, 1 otherwise.

    Parameters
    ----------
    argv : sequence of str, optional
        The files (later files override earlier ones key by key, nested mappings merged, as
        several ``--configfile`` do) and ``--schema PATH``; ``sys.argv[1:]`` by default.

    Returns
    -------
    int
        The exit status.
    """
    parser = argparse.ArgumentParser(prog="python -m normbench.study.check_config")
    parser.add_argument("files", nargs="+", type=Path, help="the study's YAML config files")
    parser.add_argument(
        "--schema", type=Path, default=SCHEMA_PATH, help="the JSON schema (default: the package's)"
    )
    args = parser.parse_args(argv)
    try:
        study = load_study_config(*args.files, schema_path=args.schema)
    except ConfigError as error:
        print(f"normbench: {error}", file=sys.stderr)
        return 1
    print(
        f"normbench: the study is valid: {len(study.datasets)} dataset(s) x "
        f"{_replicates_text(study.replicates)}."
    )
    return 0


def _replicates_text(replicates: int | ReplicatePlan) -> str:
    if not isinstance(replicates, ReplicatePlan):
        return f"{replicates} replicate(s)"
    plan = replicates
    target = f"MCSE {plan.mcse}" if plan.half_width is None else f"half-width {plan.half_width}"
    return f"{plan.pilot} to {plan.max} replicate(s), planned from a pilot (target {target})"


if __name__ == "__main__":
    sys.exit(main())
