"""Estimated number of people aged 65+ with dementia: age- and sex-specific prevalence applied to a population.

The ORS method behind the diagnostic's table 9: prevalence rates by 5-year age group and sex from the European
pooled studies (Lobo et al., Neurology 2000; EURODEM) multiplied by the population of each age group and sex
(INSEE census for 2000–2010, INSEE Omphale projections for 2020–2030). Inputs (none bundled):
- `prevalence`: {(sex, age_group): rate}, rates in [0, 1], e.g. ("F", "80-84") → share of women 80–84 affected;
- `population`: {(sex, age_group): count} for the territory and year.
Returns the expected number of cases by sex. Totals are sums of parts, so a published total can be checked.
"""

from __future__ import annotations


def dementia_cases(
    prevalence: dict[tuple[str, str], float], population: dict[tuple[str, str], float]
) -> dict[str, float]:
    missing = set(population) - set(prevalence)
    if missing:
        raise ValueError(f"no prevalence rate for {sorted(missing)}")
    if any(not 0 <= rate <= 1 for rate in prevalence.values()):
        raise ValueError("prevalence rates must lie in [0, 1]")
    cases: dict[str, float] = {}
    for (sex, age_group), count in population.items():
        cases[sex] = cases.get(sex, 0.0) + prevalence[(sex, age_group)] * count
    return cases
