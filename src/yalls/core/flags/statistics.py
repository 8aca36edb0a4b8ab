"""Experiment statistics: Wilson score intervals for a rate and Newcombe's interval for a
difference of two rates (his "method 10", built from the two Wilson intervals).

Both behave well at small counts and at rates near 0 or 1, where the textbook normal (Wald)
interval collapses to zero width or leaves [0, 1]. Reference values: Newcombe, "Two-sided confidence
intervals for the single proportion" and "Interval estimation for the difference between
independent proportions", Statistics in Medicine 17 (1998).
"""

import math
from dataclasses import dataclass
from statistics import NormalDist

Z_95 = NormalDist().inv_cdf(0.975)  # 1.959963984540054


@dataclass(frozen=True)
class Interval:
    estimate: float
    low: float
    high: float


def wilson_interval(successes: int, trials: int, *, z: float = Z_95) -> Interval | None:
    """The Wilson score interval for successes/trials; None when there were no trials."""
    if trials <= 0:
        return None
    if not 0 <= successes <= trials:
        raise ValueError("successes must be between 0 and trials")
    p = successes / trials
    z2 = z * z
    denominator = 1 + z2 / trials
    centre = (p + z2 / (2 * trials)) / denominator
    half = z * math.sqrt(p * (1 - p) / trials + z2 / (4 * trials * trials)) / denominator
    # At 0/n and n/n the exact bounds are 0 and 1; float arithmetic would leave noise there.
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == trials else min(1.0, centre + half)
    return Interval(p, low, high)


def difference_interval(
    successes: int, trials: int, control_successes: int, control_trials: int, *, z: float = Z_95
) -> Interval | None:
    """Newcombe's hybrid score interval for rate - control rate; None when either arm is empty."""
    a = wilson_interval(successes, trials, z=z)
    b = wilson_interval(control_successes, control_trials, z=z)
    if a is None or b is None:
        return None
    d = a.estimate - b.estimate
    low = d - math.sqrt((a.estimate - a.low) ** 2 + (b.high - b.estimate) ** 2)
    high = d + math.sqrt((a.high - a.estimate) ** 2 + (b.estimate - b.low) ** 2)
    return Interval(d, low, high)
