"""scikit-learn's own estimator checks, for the twelve pairs of both estimators."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from normbench.models.estimators import PenalizedRegressor, PenalizedRegressorCV
from normbench.vocab import LOSSES, PENALTIES

PAIRS = [(loss, penalty) for loss in LOSSES for penalty in PENALTIES]


@parametrize_with_checks(
    [PenalizedRegressor(loss=loss, penalty=penalty) for loss, penalty in PAIRS]
    # the CV estimator at a small grid and few folds, to keep the run short
    + [
        PenalizedRegressorCV(loss=loss, penalty=penalty, cv=3, n_lams=4, l1_ratios=(0.5,))
        for loss, penalty in PAIRS
    ]
)
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)
