import numpy as np
import pytest

from normbench.models.paths import coefficient_paths, support_roc
from normbench.report.figures import coefficient_path_panels, norm_balls, support_roc_curves

TRUE = np.array([1.0, -2.0, 0.0, 0.0, 0.0, 0.0])  # 2 true features, 4 null ones


def test_support_roc_perfect_path():
    # true features enter first, then the nulls one by one: AUC 1
    coefs = np.array(
        [
            [0, 0, 0, 0, 0, 0],
            [1, 0, 0, 0, 0, 0],
            [1, 1, 0, 0, 0, 0],
            [1, 1, 1, 0, 0, 0],
            [1, 1, 1, 1, 1, 1],
        ],
        dtype=float,
    )
    fpr, tpr, auc = support_roc(coefs, TRUE)
    assert auc == pytest.approx(1.0)
    assert (fpr[0], tpr[0]) == (0.0, 0.0) and (fpr[-1], tpr[-1]) == (1.0, 1.0)
    assert np.all(np.diff(fpr) >= 0)
    assert (0.0, 0.5) in zip(fpr, tpr, strict=True) and (0.25, 1.0) in zip(fpr, tpr, strict=True)


def test_support_roc_worst_and_partial_paths():
    # nulls first: AUC 0
    worst = np.array([[0, 0, 1, 1, 1, 1], [1, 1, 1, 1, 1, 1]], dtype=float)
    assert support_roc(worst, TRUE)[2] == pytest.approx(0.0)
    # one point (FPR 0.5, TPR 0.5), then straight to (1, 1): the chance diagonal, AUC 0.5
    diagonal = np.array([[0, 0, 0, 0, 0, 0], [1, 0, 1, 1, 0, 0]], dtype=float)
    assert support_roc(diagonal, TRUE)[2] == pytest.approx(0.5)
    # one point (FPR 0, TPR 0.5): trapezoids (0,0)->(0,0.5) of width 0, then
    # (0,0.5)->(1,1) of area 1 * (0.5 + 1) / 2 = 0.75
    half = np.array([[-3, 0, 0, 0, 0, 0]], dtype=float)
    fpr, tpr, auc = support_roc(half, TRUE)
    assert auc == pytest.approx(0.75)
    np.testing.assert_allclose(fpr, [0, 0, 1])
    np.testing.assert_allclose(tpr, [0, 0.5, 1])


def test_support_roc_dense_path_ranks_by_magnitude_at_the_middle_lam():
    # no exact zeros (ridge): the ranking at row n_lams // 2 = 1 counts, the others do not
    coefs = np.array(
        [
            [0.01, 0.01, 5.0, 5.0, 5.0, 5.0],  # would give AUC 0
            [0.9, -0.8, 0.1, -0.2, 0.85, 0.05],  # ranking: 0.9 T, 0.85 N, 0.8 T, then nulls
            [0.01, 0.01, 5.0, 5.0, 5.0, 5.0],
        ]
    )
    fpr, tpr, auc = support_roc(coefs, TRUE)
    np.testing.assert_allclose(fpr, [0, 0, 0.25, 0.25, 0.5, 0.75, 1, 1])
    np.testing.assert_allclose(tpr, [0, 0.5, 0.5, 1, 1, 1, 1, 1])
    # one null above one of the two true features: 1 - 1/(2*4)
    assert auc == pytest.approx(1 - 1 / 8)


def test_support_roc_ties_enter_together():
    coefs = np.array([0.5, 0.5, 0.5, 0.5, 0.5, 0.5])  # a single dense row, all tied
    fpr, tpr, auc = support_roc(coefs, TRUE)
    assert auc == pytest.approx(0.5)


def test_support_roc_rejects_bad_input():
    with pytest.raises(ValueError, match="features"):
        support_roc(np.ones((2, 3)), TRUE)
    with pytest.raises(ValueError, match="support"):
        support_roc(np.ones((2, 6)), np.zeros(6))


def test_coefficient_paths_on_a_small_problem():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 12)) * 3.0 + 5.0  # not standardised: the function does it
    true = np.zeros(12)
    true[:3] = [2.0, -2.0, 1.5]
    y = X @ true + 0.1 * rng.normal(size=40)
    lams, coefs = coefficient_paths(X, y, penalty="l1", n_lams=10)
    assert lams.shape == (10,) and coefs.shape == (10, 12)
    assert np.all(np.diff(lams) < 0)
    assert np.all(coefs[0] == 0)  # lam_max: nothing selected
    assert set(np.flatnonzero(coefs[3])) <= {0, 1, 2}
    # standardised scale: coefficient ~ true * std(x_j) = true * 3 at the small-lam end
    np.testing.assert_allclose(coefs[-1, :3], true[:3] * X[:, :3].std(axis=0), rtol=0.05)
    assert support_roc(coefs, true)[2] == pytest.approx(1.0)
    _, ridge = coefficient_paths(X, y, penalty="l2", n_lams=5)
    assert np.all(ridge != 0)
    _, enet = coefficient_paths(X, y, penalty="elasticnet", l1_ratio=0.5, n_lams=5)
    assert enet.shape == (5, 12)
    with pytest.raises(ValueError, match="no path"):
        coefficient_paths(X, y, penalty="none")


def test_path_figures_draw():
    lams = np.geomspace(1.0, 0.01, 4)
    coefs = np.outer(np.linspace(0, 1, 4), TRUE)
    figure = coefficient_path_panels({"l1": (lams, coefs), "l2": (lams, coefs)}, TRUE)
    axes = figure.axes
    assert len(axes) == 2
    # 4 grey null lines, 2 coloured true lines and the zero line per panel
    assert len(axes[0].get_lines()) == 4 + 2 + 1
    curves = {"l1": support_roc(coefs, TRUE)}
    legend = support_roc_curves(curves).axes[0].get_legend()
    assert "l1 (AUC 1)" in [text.get_text() for text in legend.get_texts()]


def test_norm_balls_touch_points():
    figure = norm_balls()
    texts = [text.get_text() for ax in figure.axes for text in ax.texts]
    # the L1 ball is touched at the corner (w1 exactly 0), the L2 ball off the axes
    assert "ŵ = (0.00, 1.00)" in texts
    l2_point = [text for text in texts if text.startswith("ŵ") and text != "ŵ = (0.00, 1.00)"]
    assert len(l2_point) == 1
    w1, w2 = (float(v) for v in l2_point[0][5:-1].split(", "))
    assert w1 > 0.3 and w2 > 0.3 and w1**2 + w2**2 == pytest.approx(1.0, abs=0.02)
