"""The report's sections: one ordered registry, from which both the page and its navigation come.

Each section is a module of this package with a ``render(ctx)`` function that takes the
:class:`~normbench.report.context.ReportContext` and returns the section's HTML body, or None
when the section has nothing to show (then it is neither on the page nor in the navigation).
To add a section, write its module and add one :class:`Section` line below, in page order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from normbench.report.sections import (
    about,
    answer,
    by_scenario,
    cost,
    failures,
    grid,
    loss,
    penalty,
    precision,
    provenance,
    published,
    ranking,
    results,
    scenarios,
    statistics,
    summary,
    sweeps,
    tuning,
)

__all__ = ["SECTIONS", "Section"]


@dataclass(frozen=True)
class Section:
    """One section of the report.

    Attributes
    ----------
    id : str
        Its HTML id, the target of its navigation link.
    nav : str
        Its short name in the navigation bar.
    title : str
        Its heading.
    render : callable
        ``render(ctx) -> str | None``: the body, or None for no section.
    parts : callable or None
        For a section made of independent blocks (one per scenario), ``parts(ctx) -> list`` of
        callables ``block(ctx) -> str`` whose bodies, joined by newlines, are ``render(ctx)``
        (None when the list is empty): the report's workers then draw the blocks apart, not
        the whole section in one of them.
    """

    id: str
    nav: str
    title: str
    render: Callable
    parts: Callable | None = None


#: The sections in page order.
SECTIONS = (
    Section("answer", "Answer", "The answer", answer.render),
    Section("summary", "Summary", "Summary", summary.render),
    Section("published", "Published results", "Published results", published.render),
    Section("scenarios", "Models and scenarios", "Models and scenarios", scenarios.render),
    Section("grid", "Grid", "The loss × penalty grid", grid.render),
    Section(
        "by-scenario",
        "By scenario",
        "Scenario by scenario",
        by_scenario.render,
        parts=by_scenario.parts,
    ),
    Section("penalty", "How the penalty acts", "How the penalty acts", penalty.render),
    Section("loss", "How the loss acts", "How the loss acts", loss.render),
    Section("sweeps", "Sweeps", "Sweeps", sweeps.render),
    Section("tuning", "Tuning", "Tuning diagnostics", tuning.render),
    Section("statistics", "Statistics", "Statistics", statistics.render),
    Section("precision", "Precision", "Precision of the study", precision.render),
    Section("ranking", "Ranking", "Ranking across scenarios", ranking.render),
    Section("failures", "Failures", "Failures", failures.render),
    Section("cost", "Cost", "Cost", cost.render),
    Section("results", "All results", "Every fit", results.render),
    Section("about", "About the models", "About the models", about.render),
    Section("provenance", "Provenance", "Provenance", provenance.render),
)
