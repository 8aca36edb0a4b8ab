"""Wilson and Newcombe intervals against the published values (Newcombe 1998, Stat Med 17)."""

import pytest

from yalls.core.flags.statistics import Z_95, difference_interval, wilson_interval


def test_z_95():
    assert abs(Z_95 - 1.959964) < 1e-6


@pytest.mark.parametrize(
    ("x", "n", "low", "high"),
    [
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0, 0.1611),
        (1, 29, 0.0061, 0.1718),
    ],
)
def test_wilson_interval_matches_newcombe_table(x, n, low, high):
    interval = wilson_interval(x, n)
    assert interval.estimate == pytest.approx(x / n)
    assert interval.low == pytest.approx(low, abs=5e-5)
    assert interval.high == pytest.approx(high, abs=5e-5)


@pytest.mark.parametrize(
    ("x1", "n1", "x2", "n2", "low", "high"),
    [
        (56, 70, 48, 80, 0.0524, 0.3339),
        (9, 10, 3, 10, 0.1705, 0.8090),
        (6, 7, 2, 7, 0.0582, 0.8062),
        (5, 56, 0, 29, -0.0381, 0.1926),
    ],
)
def test_difference_interval_matches_newcombe_method_10(x1, n1, x2, n2, low, high):
    interval = difference_interval(x1, n1, x2, n2)
    assert interval.estimate == pytest.approx(x1 / n1 - x2 / n2)
    assert interval.low == pytest.approx(low, abs=5e-5)
    assert interval.high == pytest.approx(high, abs=5e-5)


def test_edges():
    assert wilson_interval(0, 0) is None
    assert difference_interval(1, 10, 0, 0) is None
    full = wilson_interval(20, 20)
    assert full.high == 1.0 and full.low == pytest.approx(1 - 0.1611, abs=5e-5)
    with pytest.raises(ValueError):
        wilson_interval(5, 3)
