"""Losses, penalties and the pairs they make: their names, their order and their one spelling.

A pair is spelled ``loss+penalty`` (``"l2+l1"``) everywhere: in configs, tables, findings and
figures. Known names come in their natural order (the squared loss first, no penalty first);
names a user adds come after them, alphabetically.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

__all__ = [
    "LOSSES",
    "PENALTIES",
    "PAIR_SEPARATOR",
    "STATUS_OK",
    "STATUSES",
    "check_choice",
    "order_names",
    "ordered_pairs",
    "pair_key",
    "parse_pair",
]

#: The losses, in their natural order.
LOSSES = ("l2", "l1", "huber")
#: The penalties, in their natural order.
PENALTIES = ("none", "l1", "l2", "elasticnet")
PAIR_SEPARATOR = "+"

#: Status of a clean fit; every other status names what went wrong.
STATUS_OK = "ok"
#: The statuses a results table may hold.
STATUSES = (STATUS_OK, "not_converged", "failed")


def pair_key(loss: str, penalty: str) -> str:
    """The one spelling of a pair: ``pair_key("l2", "l1") == "l2+l1"``."""
    return f"{loss}{PAIR_SEPARATOR}{penalty}"


def parse_pair(key: str) -> tuple[str, str]:
    """``"l2+l1"`` -> ``("l2", "l1")``; raises ValueError naming a key that is not a pair."""
    loss, sep, penalty = str(key).partition(PAIR_SEPARATOR)
    if not sep or not loss or not penalty or PAIR_SEPARATOR in penalty:
        raise ValueError(f"{key!r} is not a pair spelled loss{PAIR_SEPARATOR}penalty, e.g. 'l2+l1'")
    return loss, penalty


def order_names(names: Iterable[str], canonical: Sequence[str]) -> list[str]:
    """Names without duplicates: those in ``canonical`` first, in that order, then the others
    alphabetically."""
    present = set(names)
    known = [name for name in canonical if name in present]
    return known + sorted(present.difference(canonical))


def ordered_pairs(pairs: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """(loss, penalty) pairs without duplicates, loss-major, each in its natural order."""
    present = set(pairs)
    losses = order_names((loss for loss, _ in present), LOSSES)
    penalties = order_names((penalty for _, penalty in present), PENALTIES)
    return [(loss, pen) for loss in losses for pen in penalties if (loss, pen) in present]


def check_choice(key: str, value, allowed: Sequence):
    """``value`` if it is one of ``allowed``, else a ValueError naming ``key`` and the choices."""
    if value not in allowed:
        raise ValueError(f"{key} must be one of {', '.join(map(str, allowed))}; got {value!r}")
    return value
