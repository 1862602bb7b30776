"""Indirect and direct standardisation of mortality with confidence intervals.

- ICM (indice comparatif de mortalité) = 100 × observed / expected deaths, expected = Σ reference rate(age, sex)
  × local population(age, sex). Interval: Byar's approximation from `byar_from` deaths (default 10), the exact
  Poisson interval below (Breslow & Day 1987, vol. II, §2.2). Significant when the interval excludes 100.
- DSR (taux standardisé, direct method) = Σ w_i d_i / n_i / Σ w_i, standard population w recorded by the caller;
  interval by Dobson et al. (1991): exact Poisson limits of the total count, scaled by the DSR's variance.
- A value on too few deaths is flagged, never silent: below `suppress_below` the value is withheld (flag
  `suppressed`), below `reliable_from` it is kept with flag `low_reliability`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy.special import gammaincinv
from scipy.stats import norm


def z_value(level: float) -> float:
    return float(norm.ppf(1 - (1 - level) / 2))


def poisson_exact(observed: float, level: float = 0.95) -> tuple[float, float]:
    """Exact (Garwood) interval of a Poisson count, from the inverse regularised gamma function."""
    alpha = 1 - level
    lower = 0.0 if observed == 0 else float(gammaincinv(observed, alpha / 2))
    upper = float(gammaincinv(observed + 1, 1 - alpha / 2))
    return lower, upper


def byar(observed: float, level: float = 0.95) -> tuple[float, float]:
    """Byar's approximation of the Poisson interval of a count."""
    z = z_value(level)
    o = observed
    lower = o * (1 - 1 / (9 * o) - z / (3 * math.sqrt(o))) ** 3 if o > 0 else 0.0
    upper = (o + 1) * (1 - 1 / (9 * (o + 1)) + z / (3 * math.sqrt(o + 1))) ** 3
    return lower, upper


def count_interval(observed: float, level: float = 0.95, byar_from: int = 10) -> tuple[float, float]:
    return byar(observed, level) if observed >= byar_from else poisson_exact(observed, level)


@dataclass(frozen=True)
class Estimate:
    value: float | None
    ci_low: float | None
    ci_high: float | None
    flags: str | None
    significant: bool | None  # interval excludes the reference (100 for an ICM)


def _flag(observed: float, suppress_below: int, reliable_from: int) -> str | None:
    if observed < suppress_below:
        return "suppressed"
    if observed < reliable_from:
        return "low_reliability"
    return None


def icm(
    observed: float,
    expected: float,
    level: float = 0.95,
    byar_from: int = 10,
    suppress_below: int = 5,
    reliable_from: int = 20,
) -> Estimate:
    """Indice comparatif de mortalité with its interval."""
    if expected <= 0:
        raise ValueError(f"expected deaths must be positive, got {expected}")
    flag = _flag(observed, suppress_below, reliable_from)
    if flag == "suppressed":
        return Estimate(None, None, None, flag, None)
    low, high = count_interval(observed, level, byar_from)
    ci_low, ci_high = 100 * low / expected, 100 * high / expected
    return Estimate(100 * observed / expected, ci_low, ci_high, flag, not (ci_low <= 100 <= ci_high))


def dsr(
    deaths: list[float],
    population: list[float],
    standard: list[float],
    per: float = 100_000,
    level: float = 0.95,
    suppress_below: int = 5,
    reliable_from: int = 20,
) -> Estimate:
    """Directly standardised rate (per `per`) with Dobson's interval."""
    if not len(deaths) == len(population) == len(standard):
        raise ValueError("deaths, population and standard need one value per age group (and sex)")
    total_w = sum(standard)
    rate = sum(w * d / n for d, n, w in zip(deaths, population, standard, strict=True)) / total_w
    variance = sum(w * w * d / (n * n) for d, n, w in zip(deaths, population, standard, strict=True)) / total_w**2
    observed = sum(deaths)
    flag = _flag(observed, suppress_below, reliable_from)
    if flag == "suppressed":
        return Estimate(None, None, None, flag, None)
    low, high = poisson_exact(observed, level)
    scale = math.sqrt(variance / observed) if observed > 0 else 0.0
    return Estimate(
        per * rate, per * (rate + scale * (low - observed)), per * (rate + scale * (high - observed)), flag, None
    )


def register_udfs(con) -> None:
    """Make the interval functions callable from the SQL models."""
    import duckdb

    double = duckdb.sqltype("DOUBLE")
    for name, fn in (
        ("count_ci_low", lambda o, lv: count_interval(o, lv)[0]),
        ("count_ci_high", lambda o, lv: count_interval(o, lv)[1]),
        ("poisson_exact_low", lambda o, lv: poisson_exact(o, lv)[0]),
        ("poisson_exact_high", lambda o, lv: poisson_exact(o, lv)[1]),
    ):
        try:
            con.remove_function(name)
        except Exception:  # noqa: BLE001 (not registered yet)
            pass
        con.create_function(name, fn, [double, double], double, null_handling="default")
