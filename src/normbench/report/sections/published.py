"""Published results next to ours: a study reproduced from a paper, checked number by number.

A config may carry a ``published`` list (see ``workflow/schemas/config.schema.yaml``); each entry
is one table of a paper, with the allowed band of its numbers and the paper's orderings of its
models. Rule ``published_check`` (:mod:`normbench.study.published_check`) compares them with our
replicates and writes ``results/published_check.csv``; this section only shows that table: the
verdict of every number (ours with its bootstrap standard error, the band, pass or fail) and of
every ordering, how many checks pass, and :func:`~normbench.report.figures.published_figure`. It
computes nothing itself, so the page and the table cannot disagree.

Below a table's checks come its sensitivity variants (``results/published_variants.csv``): the
same published numbers against a dataset that repeats the reproduced one with one thing changed,
what was changed, and the ratio ours / published of the reproduction and of the variant side by
side. A variant explains a difference; the verdicts shown are the check's own, never the
variant's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from normbench.report.figures import published_figure
from normbench.report.figures.common import format_value
from normbench.report.html import esc, html_figure, html_table

_CHECK_FILE = "results/published_check.csv"


def check_passed(flag) -> bool | None:
    """A ``pass`` cell of the check table as True, False, or None (no band: nothing checked).

    The table is read from CSV, where the workflow writes ``true``, ``false`` or an empty
    field; pandas turns them into booleans and NaN, or leaves strings in a mixed column.
    """
    if isinstance(flag, str):
        text = flag.strip().lower()
        return {"true": True, "1": True, "false": False, "0": False}.get(text)
    if flag is None or pd.isna(flag):
        return None
    return bool(flag)


def _verdict(passed: bool | None) -> str:
    return "no band" if passed is None else ("pass" if passed else "FAIL")


def _quantities(published: Sequence[Mapping]) -> dict[str, str]:
    """``{source: "median model_error"}``: what each published table's numbers are."""
    return {
        table["source"]: f"{table.get('statistic', 'median')} {table['metric']}"
        for table in published
    }


def _tally(check: pd.DataFrame) -> tuple[int, int]:
    """(checks passed, checks made): numbers without a band are not checks."""
    verdicts = [flag for flag in check["passed"] if flag is not None]
    return sum(verdicts), len(verdicts)


def _value_table(values: pd.DataFrame) -> str:
    headers = ["dataset", "model", "published", "ours", "SE", "band low", "band high", "pass"]
    rows = [
        [row.dataset, row.pairs, row.published, row.ours, row.se, row.low, row.high]
        + [_verdict(row.passed)]
        for row in values.itertuples(index=False)
    ]
    return html_table(headers, rows)


def _ordering_table(orderings: pd.DataFrame) -> str:
    headers = ["dataset", "ordering (lowest first)", "paper's smallest gap"]
    headers += ["our smallest gap", "SE", "pass"]
    rows = [
        [row.dataset, row.pairs, row.published, row.ours, row.se, _verdict(row.passed)]
        for row in orderings.itertuples(index=False)
    ]
    return html_table(headers, rows)


def _ratio_range(ratios: pd.Series) -> str:
    """``"0.58-0.69"``: the range of ratios ours / published (one number when they agree)."""
    low, high = (format_value(bound) for bound in (ratios.min(), ratios.max()))
    return low if low == high else f"{low}–{high}"


def _variant_parts(variants: pd.DataFrame, check: pd.DataFrame) -> list[str]:
    """The sensitivity variants of one published table: what each changed, its effect on the
    ratio ours / published, and every number beside the check's own verdict."""
    verdicts = {
        (row.dataset, row.pairs): _verdict(row.passed)
        for row in check[check["kind"] == "value"].itertuples(index=False)
    }
    parts = [
        "<h4>Sensitivity variants</h4>",
        "<p>A variant repeats a reproduced dataset with one thing changed and is compared with "
        "the same published numbers, to measure what that difference from the paper does to "
        "ours. It explains a difference; it is not a check: the verdicts are those of the "
        "reproduction above, unchanged, and a variant's data are independent draws (their "
        "seeds come from their own names), so compare a change of ratio with the SEs.</p>",
    ]
    for (variant, dataset), rows in variants.groupby(["variant", "dataset"], sort=False):
        parts.append(
            f"<p><b>{esc(variant)}</b> varies <b>{esc(dataset)}</b>: "
            f"{esc(rows['change'].iloc[0])}. Ours / published over its {len(rows)} numbers: "
            f"{_ratio_range(rows['main_ratio'])} in {esc(dataset)}, "
            f"{_ratio_range(rows['ratio'])} in {esc(variant)}.</p>"
        )
    headers = ["dataset", "model", "published", "ours", "SE", "ours / published", "check"]
    headers += ["variant", "variant's", "SE", "variant / published"]
    rows = [
        [row.dataset, row.pairs, row.published, row.main, row.main_se, row.main_ratio]
        + [verdicts.get((row.dataset, row.pairs), "n/a"), row.variant, row.ours, row.se]
        + [row.ratio]
        for row in variants.itertuples(index=False)
    ]
    parts.append(html_table(headers, rows))
    return parts


def _departures(departures: Sequence[str]) -> str:
    """The config's list of where the study departs from the paper, and with what effect."""
    items = "".join(f"<li>{esc(text)}</li>" for text in departures)
    return f"<p>Where this study departs from the paper's protocol (config):</p><ul>{items}</ul>"


def _source_parts(
    source: str,
    table: pd.DataFrame,
    quantity: str | None,
    variants: pd.DataFrame | None = None,
    departures: Sequence[str] = (),
) -> list[str]:
    """The heading, tally and tables of one published table, its departures from the paper's
    protocol, then its variants."""
    passed, checked = _tally(table)
    what = f"the {esc(quantity)} of our finished replicates" if quantity else "ours"
    verdict = (
        f"{passed} of {checked} checks of this table pass"
        if checked
        else "No number of this table has a band: they are shown, not checked"
    )
    parts = [f"<h3>{esc(source)}</h3>", f"<p>{verdict}; <em>ours</em> is {what}.</p>"]
    if departures:
        parts.append(_departures(departures))
    values = table[table["kind"] == "value"]
    if len(values):
        parts.append(_value_table(values))
    orderings = table[table["kind"] == "ordering"]
    if len(orderings):
        parts.append(
            f"<p>{sum(flag is True for flag in orderings['passed'])} of {len(orderings)} "
            "orderings of the paper's models hold in ours.</p>"
        )
        parts.append(_ordering_table(orderings))
    if variants is not None and len(variants):
        parts += _variant_parts(variants, table)
    return parts


def _figure(
    values: pd.DataFrame, quantities: Mapping[str, str], variants: pd.DataFrame | None = None
) -> str:
    """The scatter of ours against the paper's, labelled by the one quantity it draws."""
    drawn = {quantities.get(source) for source in values["source"]}
    quantity = drawn.pop() if len(drawn) == 1 and None not in drawn else "the paper's statistic"
    caption = (
        "Ours against the published numbers (log axes). On the diagonal we reproduce the paper; "
        "a grey bar is a number's allowed band and a hollow marker a number outside it. Bars: "
        "plus or minus one bootstrap standard error of ours. Colour: penalty; marker: dataset."
    )
    if variants is not None and len(variants):
        caption += (
            " A cross joined by a dotted line to a number is a sensitivity variant's value of "
            "it (no check)."
        )
    return html_figure(
        published_figure(values, quantity, variants),
        caption,
        "Scatter plot of our results against the published ones",
    )


def render(ctx):
    """The reproduction's verdicts (config key ``published``); absent when there are none."""
    published = ctx.config.get("published") or []
    if not published:
        return None
    check = ctx.published_check
    if check is None:
        return (
            f"<p>The config names published results, but this report was built without "
            f"<code>{_CHECK_FILE}</code> (rule <code>published_check</code>), which compares "
            "them with ours: no comparison is shown. The workflow passes that file; a report "
            "built by hand is given it as <code>published_check_csv</code>.</p>"
        )
    if check.empty:
        return f"<p><code>{_CHECK_FILE}</code> holds no published number to compare.</p>"
    # Python True / False / None, kept as such by the object dtype
    verdicts = [check_passed(flag) for flag in check["pass"]]
    check = check.assign(passed=pd.Series(verdicts, index=check.index, dtype=object))
    passed, checked = _tally(check)
    parts = [
        f"<p><b>{passed} of {checked} checks pass</b> (<code>{_CHECK_FILE}</code>). A number "
        "passes when ours, the same statistic (median or mean) of the same column of the "
        "results table, lies in its allowed band [low, high]; <em>SE</em> is the bootstrap "
        "standard error of ours and a number without a band is shown but not checked. An "
        "ordering passes when our statistics follow the paper's chain; its gaps are the "
        "smallest difference between neighbours of the chain, its SE that of our gap by a "
        "paired bootstrap over the replicates. The study's config states how its design "
        "follows the paper and where it departs: each table lists the departures its config "
        "names, with their measured effect, and a suspect measured by a sensitivity variant is "
        "shown below the table it concerns.</p>"
    ]
    quantities = _quantities(published)
    departures = {table["source"]: table.get("departures", ()) for table in published}
    variants = getattr(ctx, "published_variants", None)
    for source, table in check.groupby("source", sort=False):
        mine = None if variants is None else variants[variants["source"] == source]
        parts += _source_parts(
            source, table, quantities.get(source), mine, departures.get(source, ())
        )
    values = check[check["kind"] == "value"]
    if len(values):
        parts.append(_figure(values.assign(**{"pass": values["passed"]}), quantities, variants))
    return "\n".join(parts)
