"""The note reconciling the answer table's ANOVA with the findings' pairwise verdicts, on
constructed tables: every number it states is counted from them."""

import math
import re

import pandas as pd

from normbench.analysis.answer import ANSWER_COLUMNS, count_tested, two_tests_sentence
from normbench.analysis.findings import FINDINGS_COLUMNS
from normbench.vocab import pair_key


def _answer(loss_matters, scenarios=("a", "b", "c"), *, pooled=True):
    """One row per (scenario, term); the loss matters where listed; the pooled model's rows."""
    rows = []
    for dataset in scenarios:
        for term in ("loss", "penalty", "loss:penalty"):
            matters = term == "loss" and dataset in loss_matters
            rows.append((dataset, "model_error", term, 0.1, 1e-6 if matters else 0.5, matters))
    if pooled:
        for term in ("loss", "penalty", "loss:scenario"):
            rows.append(("(all)", "model_error", term, 0.1, 0.3, False))
    records = [(*row[:5], "matters" if row[5] else "inconclusive") for row in rows]
    return pd.DataFrame(records, columns=list(ANSWER_COLUMNS))


def _findings(verdicts, scenarios=("a", "b", "c"), *, extra_inconclusive=0):
    """The loss question of the lasso and the elastic net per scenario, on model_error, with
    ``verdicts[dataset]`` for its four rows; ``extra_inconclusive`` such F1 rows of ``a``."""
    rows = []
    for dataset in scenarios:
        pairs = [
            (pair_key(loss, penalty), pair_key("l2", penalty))
            for penalty in ("l1", "elasticnet")
            for loss in ("l1", "huber")
        ]
        for (pair, reference), verdict in zip(pairs, verdicts[dataset], strict=True):
            effect = {"better": 0.5, "worse": 2.0, "inconclusive": 0.9}[verdict]
            rows.append((dataset, "model_error", pair, reference, effect, verdict))
    rows += [("a", "f1", "l1+l1", "l2+l1", 1.0, "inconclusive")] * extra_inconclusive
    return pd.DataFrame(
        [
            {
                "dataset": dataset,
                "metric": metric,
                "question": "loss",
                "pair": pair,
                "reference": reference,
                "effect": effect,
                "ci_low": effect * 0.8,
                "ci_high": effect * 1.2,
                "ci_level": 0.95,
                "estimate": math.log(effect),
                "se": 0.1,
                "p_value": 0.01,
                "p_equivalence": 0.2,
                "n_replicates": 10,
                "verdict": v,
            }
            for dataset, metric, pair, reference, effect, v in rows
        ],
        columns=list(FINDINGS_COLUMNS),
    )


def _numbers(text):
    return [int(n) for n in re.findall(r"\b\d+\b", text)]


def test_the_sentence_states_each_tables_m_and_the_verdict_counts():
    answer = _answer({"a", "b"})
    findings = _findings(
        {
            "a": ("better", "inconclusive", "inconclusive", "inconclusive"),
            "b": ("worse", "worse", "inconclusive", "inconclusive"),
            "c": ("inconclusive", "inconclusive", "inconclusive", "inconclusive"),
        }
    )
    text = two_tests_sentence(findings, answer)
    # 3 scenarios x 3 terms + 3 pooled terms; 12 findings rows
    assert count_tested(answer) == 12 and count_tested(findings) == 12
    assert "one F-test per term and scenario and per term of the pooled model" in text
    assert "m = 12 tests under one false discovery rate" in text
    assert "over m = 12 comparisons of the findings table" in text
    assert "(1 better, 0 equivalent, 2 worse, 9 inconclusive)" in text
    # the loss matters in a and b, where 5 of the 8 loss comparisons are inconclusive
    assert "the loss matters in 2 of 3 scenarios, yet 5 of the 8 loss comparisons" in text
    assert "on model_error there are inconclusive" in text


def test_the_sentence_follows_the_tables():
    verdicts = {
        d: ("better", "inconclusive", "inconclusive", "inconclusive") for d in ("a", "b", "c")
    }
    before = two_tests_sentence(_findings(verdicts), _answer({"a"}))
    # more findings rows raise the findings' m, more scenarios the answer's; neither is fixed
    after = two_tests_sentence(
        _findings({**verdicts, "d": ("worse",) * 4}, ("a", "b", "c", "d"), extra_inconclusive=5),
        _answer({"a", "d"}, ("a", "b", "c", "d"), pooled=False),
    )
    assert before != after
    assert "m = 12 tests" in before and "m = 12 comparisons" in before
    assert "(3 better, 0 equivalent, 0 worse, 9 inconclusive)" in before
    assert "the loss matters in 1 of 3 scenarios, yet 3 of the 4 loss" in before
    assert "m = 12 tests" in after and "pooled model" not in after  # 4 x 3, no pooled rows
    assert "m = 21 comparisons" in after
    assert "(3 better, 0 equivalent, 4 worse, 14 inconclusive)" in after
    assert "the loss matters in 2 of 4 scenarios, yet 3 of the 8 loss" in after
    # every number in the sentence is one counted from the tables above (no fixed figure)
    assert set(_numbers(after)) == {12, 21, 3, 0, 4, 14, 2, 8}


def test_no_inconclusive_loss_pair_where_the_loss_matters_leaves_out_the_clause():
    verdicts = {"a": ("better",) * 4, "b": ("inconclusive",) * 4, "c": ("inconclusive",) * 4}
    text = two_tests_sentence(_findings(verdicts), _answer({"a"}))
    assert "here the loss matters" not in text
    assert text.endswith("still leave each pair inconclusive.")
    # nowhere does the loss matter: the general explanation stays, the clause does not
    assert "here the loss" not in two_tests_sentence(_findings(verdicts), _answer(set()))


def test_untested_rows_do_not_count_and_an_empty_table_gives_none():
    verdicts = {d: ("inconclusive",) * 4 for d in ("a", "b", "c")}
    findings = _findings(verdicts)
    findings.loc[:3, "p_value"] = math.nan  # single-replicate rows: no test
    assert count_tested(findings) == 8
    assert "m = 8 comparisons" in two_tests_sentence(findings, _answer({"a"}))
    assert two_tests_sentence(findings.iloc[:0], _answer({"a"})) is None
    assert two_tests_sentence(findings, _answer(set()).iloc[:0]) is None
    assert count_tested(None) == 0
    single = _findings({"a": ("inconclusive",) * 4}, ("a",)).iloc[:1]
    assert "m = 1 comparison of" in two_tests_sentence(single, _answer(set(), ("a",)))


def test_the_answer_section_shows_the_note_and_a_caption_with_its_correction():
    from types import SimpleNamespace

    from normbench.report.sections import answer

    verdicts = {
        "a": ("better", "inconclusive", "inconclusive", "inconclusive"),
        "b": ("inconclusive",) * 4,
        "c": ("inconclusive",) * 4,
    }
    findings = _findings(verdicts, extra_inconclusive=3)
    ctx = SimpleNamespace(
        findings=findings,
        answer=_answer({"a"}),
        method={"q": 0.05, "equivalence": [1 / 1.1, 1.1]},
        headline="model_error",
        all_datasets=["a", "b", "c"],
        best_set=None,
        pooled=None,
        labels={"a": "Gaussian · SNR 1"},
    )
    html = answer.render(ctx)
    caption = html.split("<figcaption>")[1].split("</figcaption>")[0]
    assert "Benjamini–Hochberg at q = 0.05" in caption
    assert "Over the 12 comparisons on model_error" in caption  # the F1 rows are another family
    assert "over 10 replicates" in caption
    assert "The two tests ask different questions" in html
    # the recommendation table first: a row per scenario, in words where the config has them
    table = html.split('<div id="recommendation">')[1].split("</table>")[0]
    assert table.count("<tr>") == 4 and "Gaussian · SNR 1" in table
    assert "0.5× (0.4–0.6) better" in table and "not computed" in table
    assert "(1 better, 0 equivalent, 0 worse, 14 inconclusive)" in html
