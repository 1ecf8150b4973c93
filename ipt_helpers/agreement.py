"""Agreement between two markers of the same written answers (second marking, issue 15).

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


def weighted_kappa(pairs: list[tuple[float, float]]) -> float | None:
    """Cohen's kappa with linear weights 1 - |i - j| / (k - 1) over the k distinct marks.

    None when it is undefined (no pairs, or both markers gave one and the same mark to all).
    """
    if not pairs:
        return None
    marks = sorted({m for pair in pairs for m in pair})
    if len(marks) == 1:
        return None
    index = {m: i for i, m in enumerate(marks)}
    k, n = len(marks), len(pairs)

    def weight(i, j):
        return 1 - abs(i - j) / (k - 1)

    first = [0.0] * k
    second = [0.0] * k
    observed = 0.0
    for a, b in pairs:
        first[index[a]] += 1 / n
        second[index[b]] += 1 / n
        observed += weight(index[a], index[b]) / n
    expected = sum(weight(i, j) * first[i] * second[j] for i in range(k) for j in range(k))
    return None if expected >= 1 else (observed - expected) / (1 - expected)


def agreement(pairs: list[tuple[float, float]]) -> Agreement:
    n = len(pairs)
    if not n:
        return Agreement(0, None, None, None)
    exact = sum(a == b for a, b in pairs) / n
    within = sum(abs(a - b) <= 1 for a, b in pairs) / n
    apart = [(i, a, b) for i, (a, b) in enumerate(pairs) if abs(a - b) > 1]
    return Agreement(n, exact, within, weighted_kappa(pairs), apart)
