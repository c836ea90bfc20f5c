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
    ConfigError,
    dataset_names,
    load_yaml,
    replicate_plan,
    validate_config,
)

__all__ = ["main"]

# src/normbench/study/ -> the checkout's workflow/schemas/ (the command runs from a checkout).
DEFAULT_SCHEMA = Path(__file__).resolve().parents[3] / "workflow" / "schemas" / "config.schema.yaml"


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
    parser.add_argument("--schema", type=Path, default=DEFAULT_SCHEMA, help="the JSON schema")
    args = parser.parse_args(argv)
    config: dict = {}
    try:
        for path in args.files:
            document = load_yaml(path)
            if not isinstance(document, dict):
                raise ConfigError(f"config file '{path}' must hold a mapping of keys to values.")
            _merge(config, document)
        validated = validate_config(config, args.schema)
    except ConfigError as error:
        print(f"normbench: {error}", file=sys.stderr)
        return 1
    datasets = dataset_names(validated)
    print(
        f"normbench: the study is valid: {len(datasets)} dataset(s) x "
        f"{_replicates_text(validated)}."
    )
    return 0


def _replicates_text(config: dict) -> str:
    plan = replicate_plan(config)
    if plan is None:
        return f"{config['replicates']} replicate(s)"
    target = f"MCSE {plan.mcse}" if plan.half_width is None else f"half-width {plan.half_width}"
    return f"{plan.pilot} to {plan.max} replicate(s), planned from a pilot (target {target})"


def _merge(into: dict, update: dict) -> None:
    for key, value in update.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        else:
            into[key] = value


if __name__ == "__main__":
    sys.exit(main())
