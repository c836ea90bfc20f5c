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
its dataset name. Numbers are written with ``:g`` (``0.25``, ``2``, ``1e+03``), lists with their
runs once (``coefficients [3, 1.5, 0×2, 2, 0×3]``).

:func:`scenario_labels` names each dataset alone. Where these words are the same for several
datasets (the Hastie preset's 24 Gaussian settings at each SNR), the settings outside the noise
and sweep sections that tell them apart are added, in the schema's order (sample sizes, design,
coefficients), each only where it splits datasets the ones before it left together:
``Gaussian · SNR 0.42 · n 100 · ρ 0.35 · beta-type 2``. Datasets whose entries are the same but
for their name add that name. :func:`snr_groups` names the groups pooled over the scale the same
way: the datasets whose entries differ only in the noise's SNR (or σ) share a group, named by the
family's words and, where groups of one family differ in other settings, those settings
(``Gaussian · n 100 · ρ 0.35 · beta-type 2``). Where nothing collides, as in
``config/config.yaml`` and ``config/test.yaml``, no setting is added.
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
    "snr_groups",
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
# words for the keys outside the noise section (a swept key, or one telling scenarios apart),
# by the full key, then by its last part; a key not named here is written as it is
_KEY_WORDS = {
    "n_train": "n",
    "n_validation": "validation n",
    "n_test": "test n",
    "design.kind": "design",
    "rho": "ρ",
    "design.group_size": "block size",
    "design.n_groups": "groups",
    "design.feature_scale": "feature scale",
    "coef.values": "coefficients",
    "coef.beta_type": "beta-type",
    "n_nonzero": "nonzeros",
    "coef.placement": "placement",
    "coef.amplitude": "amplitude",
    "coef.signs": "signs",
}
# the order in which the keys telling scenarios apart are written: the schema's (sample sizes,
# design, coefficients); keys not listed follow, alphabetically
_KEY_ORDER = (
    "generator",
    "n_train",
    "n_validation",
    "n_test",
    "p",
    "design.kind",
    "design.rho",
    "design.group_size",
    "design.n_groups",
    "design.feature_scale",
    "coef.values",
    "coef.beta_type",
    "coef.n_nonzero",
    "coef.placement",
    "coef.amplitude",
    "coef.signs",
)
# sections that do not tell scenarios apart here: the noise is named by noise_label and its scale,
# the sweep is how the config was written (a swept key's value is in the entry itself)
_NOT_TELLING = ("noise", "sweep")


def _number(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float):
        return f"{float(value):g}"
    if isinstance(value, list | tuple):
        # runs written once (the 40 coefficients of Zou & Hastie's example 3: "[0×10, 2×10, ...]")
        runs: list[list] = []
        for item in value:
            if runs and _number(item) == runs[-1][0]:
                runs[-1][1] += 1
            else:
                runs.append([_number(item), 1])
        return (
            "[" + ", ".join(word if count == 1 else f"{word}×{count}" for word, count in runs) + "]"
        )
    return str(value)


def _key_words(key: str) -> str:
    return _KEY_WORDS.get(key, _KEY_WORDS.get(key.rsplit(".", 1)[-1], key.rsplit(".", 1)[-1]))


def _flat(entry: Mapping, prefix: str = "") -> dict[str, Any]:
    """``{"design.rho": 0.7, ...}``: an entry's settings outside the noise and sweep sections."""
    flat = {}
    for key, value in entry.items() if isinstance(entry, Mapping) else ():
        if not prefix and key in _NOT_TELLING:
            continue
        if isinstance(value, Mapping):
            flat.update(_flat(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = _canonical(value)
    return flat


def _canonical(value: Any) -> Any:
    """A setting compared by its value: 0 and 0.0 are one design, a list is hashable."""
    if isinstance(value, list | tuple):
        return tuple(_canonical(item) for item in value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return value


def _ordered(keys) -> list[str]:
    rank = {key: index for index, key in enumerate(_KEY_ORDER)}
    return sorted(keys, key=lambda key: (rank.get(key, len(rank)), key))


def _telling_apart(flats: list[Mapping]) -> list[str]:
    """The keys, in :data:`_KEY_ORDER`, whose words tell the entries apart: each one kept only
    where it splits entries the keys before it left together, so that a setting's consequences
    (the validation n that follows n) are not written twice."""

    def words(flat, key):
        return _number(flat[key]) if key in flat else None

    differing = [
        key
        for key in {key for flat in flats for key in flat}
        if len({words(flat, key) for flat in flats}) > 1
    ]
    kept, signatures = [], [()] * len(flats)
    for key in _ordered(differing):
        extended = [(*sig, words(flat, key)) for sig, flat in zip(signatures, flats, strict=True)]
        if len(set(extended)) > len(set(signatures)):
            kept.append(key)
            signatures = extended
    return kept


def _setting_words(flat: Mapping, keys: list[str]) -> list[str]:
    return [f"{_key_words(key)} {_number(flat[key])}" for key in keys if key in flat]


def _distinguished(labels: dict[str, str], flats: Mapping[str, Mapping]) -> dict[str, str]:
    """Labels made unique: the settings telling each group of equal labels apart are added
    (``· n 100 · ρ 0.35``); labels still equal (entries equal but for their name) add the name.
    Names without an entry in ``flats`` keep their label."""
    named: dict[str, list[str]] = {}
    for name, label in labels.items():
        named.setdefault(label, []).append(name)
    out = dict(labels)
    for label, names in named.items():
        names = [name for name in names if name in flats]
        if len(names) < 2:
            continue
        keys = _telling_apart([flats[name] for name in names])
        for name in names:
            out[name] = SEPARATOR.join([label, *_setting_words(flats[name], keys)])
    counts: dict[str, int] = {}
    for label in out.values():
        counts[label] = counts.get(label, 0) + 1
    return {
        name: f"{label}{SEPARATOR}{name}" if counts[label] > 1 else label
        for name, label in out.items()
    }


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

    Scenarios of one family share it whatever their scale and other settings: the groups pooled
    over SNR are :func:`snr_groups`, which adds the settings where they differ.

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
    """``{dataset: label}`` for every dataset of a validated configuration, in config order.

    Each label names its dataset alone: where :func:`scenario_label` gives several datasets the
    same words, the settings that tell them apart are added (module docstring).
    """
    entries = config.get("datasets") or {}
    labels = {dataset: scenario_label(entry, dataset) for dataset, entry in entries.items()}
    simulated = {name: _flat(entry) for name, entry in entries.items() if _noise(entry) is not None}
    return _distinguished(labels, simulated)


def snr_groups(config: Mapping) -> dict[str, str]:
    """``{dataset: group label}``: the datasets whose scenarios differ only in their noise's
    scale (SNR, or σ) share a group, named by the family's words (:func:`noise_label`) and,
    where groups of one family differ in other settings, those settings (``Gaussian · n 100 ·
    ρ 0``). A dataset without a noise section is its own group, named by its name.

    Parameters
    ----------
    config : mapping
        A validated configuration.

    Returns
    -------
    dict
        In config order.
    """
    entries = config.get("datasets") or {}
    groups: dict[tuple, list[str]] = {}
    for name, entry in entries.items():
        family = noise_label(entry)
        key = ("", name) if family is None else (family, repr(sorted(_flat(entry).items())))
        groups.setdefault(key, []).append(name)
    first = {key: names[0] for key, names in groups.items()}
    labels = {names[0]: key[0] or key[1] for key, names in groups.items()}
    simulated = {first[key]: _flat(entries[first[key]]) for key in groups if key[0]}
    named = _distinguished(labels, simulated)
    return {name: named[first[key]] for key, names in groups.items() for name in names}
