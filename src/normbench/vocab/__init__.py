"""The project's one vocabulary: losses, penalties, pairs and the metric registry."""

from normbench.vocab.metrics import METRICS, Metric, metric
from normbench.vocab.pairs import (
    LOSSES,
    PAIR_SEPARATOR,
    PENALTIES,
    STATUS_OK,
    STATUSES,
    check_choice,
    order_names,
    ordered_pairs,
    pair_key,
    parse_pair,
)

__all__ = [
    "LOSSES",
    "METRICS",
    "Metric",
    "PAIR_SEPARATOR",
    "PENALTIES",
    "STATUSES",
    "STATUS_OK",
    "check_choice",
    "metric",
    "order_names",
    "ordered_pairs",
    "pair_key",
    "parse_pair",
]
