"""The conclusion tables' contracts and their one checked reader, beside their writers.

Every table rule analyse writes (:data:`normbench.study.layout.ANALYSIS_TABLES`) is declared
here once with :class:`normbench.study.tables.TableContract`; the report reads each through
:func:`read_analysis`, which refuses a damaged file in one line naming it (a cut findings table,
an unknown verdict word, a duplicated row, text in a numeric column).
"""

from __future__ import annotations

import json
from pathlib import Path

from normbench.analysis.answer import ANSWER_COLUMNS, MATTERS, NO_TEST
from normbench.analysis.best_set import BEST_SET_COLUMNS
from normbench.analysis.cost import COST_COLUMNS, COST_ROWS
from normbench.analysis.derived import DERIVED_COLUMNS
from normbench.analysis.findings import FINDINGS_COLUMNS, QUESTIONS
from normbench.analysis.precision import PRECISION_COLUMNS
from normbench.analysis.ranking import RANKING_COLUMNS, RANKING_ROWS
from normbench.analysis.recommend import POOLED_TABLE_COLUMNS
from normbench.analysis.summary import SUMMARY_COLUMNS
from normbench.analysis.verdicts import INCONCLUSIVE, VERDICTS
from normbench.study.tables import ResultsError, TableContract, read_checked

__all__ = ["CONTRACTS", "read_analysis", "read_method"]

_PROBABILITY = (0.0, 1.0)
_BOOLEAN = ("True", "False")

#: The contract of each conclusion table, by its role in the results layout.
CONTRACTS = {
    "findings": TableContract(
        name="findings",
        columns=FINDINGS_COLUMNS,
        text_columns=("dataset", "metric", "question", "pair", "reference", "verdict"),
        vocabulary={"verdict": VERDICTS, "question": QUESTIONS},
        key=("dataset", "metric", "pair", "reference"),
        positive=("effect",),
        ranges={"p_value": _PROBABILITY, "p_equivalence": _PROBABILITY, "ci_level": (0, 1)},
        whole_numbers=("n_replicates",),
        allow_infinite=True,  # an interval over two or three replicates can reach inf
        may_be_empty=True,
    ),
    "answer": TableContract(
        name="answer",
        columns=ANSWER_COLUMNS,
        text_columns=("dataset", "metric", "term", "verdict"),
        vocabulary={"verdict": (MATTERS, INCONCLUSIVE, NO_TEST)},
        key=("dataset", "term"),
        ranges={"p_value": _PROBABILITY},
        may_be_empty=True,
    ),
    "precision": TableContract(
        name="precision",
        columns=PRECISION_COLUMNS,
        text_columns=("dataset", "metric", "pair", "reference", "verdict"),
        vocabulary={"verdict": VERDICTS},
        key=("dataset", "metric", "pair", "reference"),
        whole_numbers=("n_replicates",),
        allow_infinite=True,
        may_be_empty=True,
    ),
    "best_set": TableContract(
        name="best_set",
        columns=BEST_SET_COLUMNS,
        text_columns=("dataset", "metric", "pair", "in_set"),
        vocabulary={"in_set": _BOOLEAN},
        key=("dataset", "metric", "pair"),
        ranges={"p_value": _PROBABILITY, "size": (0, 1)},
        whole_numbers=("n_replicates", "n_dropped"),
        may_be_empty=True,
    ),
    "summary": TableContract(
        name="summary",
        columns=SUMMARY_COLUMNS,
        text_columns=("what", "dataset", "pair", "metric"),
        key=("what", "dataset", "pair", "metric"),
        whole_numbers=("n_replicates",),
        allow_infinite=True,
    ),
    "pooled": TableContract(
        name="pooled",
        columns=POOLED_TABLE_COLUMNS,
        text_columns=("family", "metric", "pair", "reference", "datasets", "heterogeneous"),
        vocabulary={"heterogeneous": _BOOLEAN},
        key=("family", "metric", "pair", "reference"),
        allow_infinite=True,
        may_be_empty=True,
    ),
    "derived": TableContract(
        name="derived",
        columns=DERIVED_COLUMNS,
        text_columns=("dataset", "loss", "penalty"),
        key=("dataset", "replicate", "loss", "penalty"),
        positive=("risk_ratio", "signal_variance", "noise_scale", "delta_over_sigma"),
        ranges={"relative_risk": (0.0, None)},
        whole_numbers=("replicate",),
    ),
    "cost": TableContract(
        name="cost",
        columns=COST_COLUMNS,
        text_columns=("what", "pair", "metric"),
        vocabulary={"what": COST_ROWS},
        key=("what", "pair"),
        ranges={"estimate": (0.0, None), "mcse": (0.0, None)},
        whole_numbers=("n_replicates",),
        may_be_empty=True,
    ),
    "ranking": TableContract(
        name="ranking",
        columns=RANKING_COLUMNS,
        text_columns=("what", "dataset", "pair", "metric", "reason"),
        vocabulary={"what": RANKING_ROWS},
        key=("what", "dataset", "pair"),
        ranges={"value": (0.0, None)},
        may_be_empty=True,
    ),
}


def read_analysis(role, path):
    """One conclusion table through its contract (raises ResultsError naming the file)."""
    table = read_checked(path, CONTRACTS[role])
    for column, values in CONTRACTS[role].vocabulary.items():
        if values == _BOOLEAN:
            table[column] = table[column] == "True"
    return table


def read_method(path):
    """``results/findings.json``, the findings' method, as a dict (or ResultsError)."""
    path = Path(path)
    try:
        method = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ResultsError(f"{path}: not found (the findings' method record).") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ResultsError(f"{path}: not a valid JSON method record ({error}).") from None
    if not isinstance(method, dict) or "q" not in method or "equivalence" not in method:
        raise ResultsError(f"{path}: not a findings method record (no q or equivalence).")
    return method
