"""Agreement between two raters: Cohen's kappa, written once, and second-marking figures.

``cohen_kappa(pairs)`` is used twice: by the report (the key against the class's choices of
problem area, unweighted) and by second marking (first against second marks, weighted).
``agreement(pairs)`` takes (first mark, second mark) pairs for one question and gives the
share of exact agreement, of agreement within one point, Cohen's weighted kappa (linear
weights over the marks either marker gave, in the order of their value; Cohen 1968) and
the pairs more than one point apart, for a resolution pass. Pure functions: the marks come
from wherever they are stored.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Agreement:
    n: int
    exact: float | None
    within_one: float | None
    weighted_kappa: float | None
    apart: list = field(default_factory=list)   # (index, first, second), |first - second| > 1


def cohen_kappa(pairs: list[tuple], weighted: bool = False) -> float | None:
    """Cohen's kappa of two raters' ``(a, b)`` ratings (Cohen 1960); with ``weighted``, linear
    weights 1 - |i - j| / (k - 1) over the k distinct values in order (Cohen 1968).

    None when it is undefined (no pairs, or one and the same rating for all).
    """
    if not pairs:
        return None
    seen = dict.fromkeys(v for pair in pairs for v in pair)
    values = sorted(seen) if weighted else list(seen)
    if len(values) == 1:
        return None
    index = {v: i for i, v in enumerate(values)}
    k, n = len(values), len(pairs)

    def weight(i, j):
        return 1 - abs(i - j) / (k - 1) if weighted else float(i == j)

    first = [0.0] * k
    second = [0.0] * k
    observed = 0.0
    for a, b in pairs:
        first[index[a]] += 1 / n
        second[index[b]] += 1 / n
        observed += weight(index[a], index[b]) / n
    expected = sum(weight(i, j) * first[i] * second[j] for i in range(k) for j in range(k))
    return None if expected >= 1 else (observed - expected) / (1 - expected)


def weighted_kappa(pairs: list[tuple[float, float]]) -> float | None:
    """Linearly weighted kappa of marks (second marking)."""
    return cohen_kappa(pairs, weighted=True)


def agreement(pairs: list[tuple[float, float]]) -> Agreement:
    n = len(pairs)
    if not n:
        return Agreement(0, None, None, None)
    exact = sum(a == b for a, b in pairs) / n
    within = sum(abs(a - b) <= 1 for a, b in pairs) / n
    apart = [(i, a, b) for i, (a, b) in enumerate(pairs) if abs(a - b) > 1]
    return Agreement(n, exact, within, weighted_kappa(pairs), apart)
