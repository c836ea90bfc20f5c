"""A scenario in words: its noise family, the family's parameters and the noise's scale.

The labels are made from a dataset's entry of a *validated* configuration (``datasets:`` of
``config/config.yaml`` after :func:`normbench.study.config.validate_config`, sweeps expanded,
defaults filled), so that the report, the pooled answers and the figures name a scenario the same
way:

=================  =========================================  ==================================
family             parameters (docs/simulation.md)            words
=================  =========================================  ==================================
``gaussian``       none                                       ``Gaussian``
``laplace``        none                                       ``Laplace``
``student_t``      ``df``                                     ``Student t, 2 df``
``cauchy``         none                                       ``Cauchy``
``skewed``         ``skew`` (σ of the log-normal)             ``skewed (log-normal, shape 1)``
``contaminated``   ``contamination``, ``outlier_scale``       ``contaminated (10 % outliers)``,
                                                              ``... (10 % outliers at 5 σ)``
                                                              where the scale is not 10
=================  =========================================  ==================================

The scale follows: ``SNR 1`` (the ratio Var(x'β) / σ²) or ``σ 2`` where the entry sets the
noise's scale directly; a dataset of a sweep over another key adds that key and its value
(``p 200``). A user's dataset (a ``generator`` other than ``simulate``, no ``noise``) is named by
its dataset name. Numbers are written with ``:g`` (``0.25``, ``2``, ``1e+03``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = [
    "SEPARATOR",
    "noise_family",
    "noise_label",
    "scenario_label",
    "scenario_labels",
    "snr",
]

#: Between the parts of a label.
SEPARATOR = " · "
_DEFAULT_OUTLIER_SCALE = 10.0
_FAMILY_WORDS = {
    "gaussian": "Gaussian",
    "laplace": "Laplace",
    "student_t": "Student t",
    "cauchy": "Cauchy",
    "skewed": "skewed",
    "contaminated": "contaminated",
}
# words for the keys a sweep may vary outside the noise section
_KEY_WORDS = {"n_train": "n", "n_test": "test n", "rho": "ρ", "n_nonzero": "nonzeros"}


def _number(value: Any) -> str:
    return f"{float(value):g}" if isinstance(value, int | float) else str(value)


def _noise(entry: Mapping) -> Mapping | None:
    noise = entry.get("noise") if isinstance(entry, Mapping) else None
    return noise if isinstance(noise, Mapping) else None


def _swept(entry: Mapping) -> str | None:
    sweep = entry.get("sweep") if isinstance(entry, Mapping) else None
    return sweep.get("param") if isinstance(sweep, Mapping) and "value" in sweep else None


def noise_family(entry: Mapping) -> str | None:
    """The noise family of a dataset entry (``"student_t"``), None for a user's dataset.

    Parameters
    ----------
    entry : mapping
        One dataset's entry of a validated configuration.

    Returns
    -------
    str or None
    """
    noise = _noise(entry)
    if noise is None:
        return None
    return str(noise.get("family", "gaussian"))


def snr(entry: Mapping) -> float | None:
    """The signal-to-noise ratio of a dataset entry; None where ``sigma`` sets the scale instead,
    or the dataset has no noise section."""
    noise = _noise(entry)
    if noise is None or noise.get("sigma") is not None or noise.get("snr") is None:
        return None
    return float(noise["snr"])


def noise_label(entry: Mapping) -> str | None:
    """The noise family with its own parameters, without the scale (``"Student t, 2 df"``).

    Scenarios that differ only in their SNR share it: it names a group pooled over SNR.

    Parameters
    ----------
    entry : mapping
        One dataset's entry of a validated configuration.

    Returns
    -------
    str or None
        None for a dataset without a noise section.
    """
    noise = _noise(entry)
    family = noise_family(entry)
    if noise is None or family is None:
        return None
    words = _FAMILY_WORDS.get(family, family)
    if family == "student_t":
        return f"{words}, {_number(noise.get('df'))} df"
    if family == "skewed":
        return f"{words} (log-normal, shape {_number(noise.get('skew'))})"
    if family == "contaminated":
        share = f"{_number(100.0 * float(noise.get('contamination')))} % outliers"
        scale = float(noise.get("outlier_scale", _DEFAULT_OUTLIER_SCALE))
        if scale != _DEFAULT_OUTLIER_SCALE or _swept(entry) == "noise.outlier_scale":
            share += f" at {_number(scale)} σ"
        return f"{words} ({share})"
    return words


def scenario_label(entry: Mapping, name: str | None = None) -> str:
    """A scenario in words: ``"Student t, 2 df · SNR 1"`` (module docstring).

    Parameters
    ----------
    entry : mapping
        One dataset's entry of a validated configuration.
    name : str, optional
        The dataset's name: the label of a dataset without a noise section (a user's dataset).

    Returns
    -------
    str
    """
    family = noise_label(entry)
    if family is None:
        if name is not None:
            return str(name)
        return str(entry.get("generator", "dataset")) if isinstance(entry, Mapping) else "dataset"
    noise = _noise(entry)
    parts = [family]
    if noise.get("sigma") is not None:
        parts.append(f"σ {_number(noise['sigma'])}")
    elif noise.get("snr") is not None:
        parts.append(f"SNR {_number(noise['snr'])}")
    param = _swept(entry)
    if param is not None and not param.startswith("noise."):
        leaf = param.rsplit(".", 1)[-1]
        parts.append(f"{_KEY_WORDS.get(leaf, leaf)} {_number(entry['sweep']['value'])}")
    return SEPARATOR.join(parts)


def scenario_labels(config: Mapping) -> dict[str, str]:
    """``{dataset: label}`` for every dataset of a validated configuration, in config order."""
    return {
        dataset: scenario_label(entry, dataset)
        for dataset, entry in (config.get("datasets") or {}).items()
    }
