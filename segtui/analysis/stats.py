"""The statistics segtui uses, from scipy and statsmodels (the optional ``segtui[stats]`` extra).

Only this module imports them, lazily: the core and every other command work without
them, and a command that needs them says how to install them.
"""

from __future__ import annotations

import math
from types import ModuleType

from segtui.errors import SegtuiError

__all__ = ["INSTALL_HINT", "require", "ALPHA", "POWER", "mde_proportion", "needed_control"]

INSTALL_HINT = "pip install 'segtui[stats]'"
#: significance level and power of every test, interval and sample size here
ALPHA = 0.05
POWER = 0.8


def require(what: str) -> tuple[ModuleType, ModuleType]:
    """``(scipy.stats, statsmodels.stats.api)``, or ``SegtuiError`` saying how to install them."""
    try:
        import scipy.stats
        import statsmodels.stats.api as sms
    except ImportError:
        raise SegtuiError(
            f"{what} needs scipy and statsmodels: {INSTALL_HINT}", title="Statistics not installed"
        ) from None
    return scipy.stats, sms


def mde_proportion(baseline: float, control: int, test: int) -> float | None:
    """Smallest absolute rise of a ``baseline`` conversion rate that ``control`` vs ``test`` customers detect.

    At 80 % power and 5 % two-sided significance (a two-proportion z-test; Cohen's h
    solved by statsmodels and turned back into a rate). None when either group is
    empty or the baseline is not strictly between 0 and 1.

    Examples
    --------
    >>> round(mde_proportion(0.04, 1_000, 9_000), 4)
    0.0203
    """
    if control < 1 or test < 1 or not 0 < baseline < 1:
        return None
    _, sms = require("the minimum detectable effect")
    h = sms.NormalIndPower().solve_power(effect_size=None, nobs1=control, alpha=ALPHA, power=POWER, ratio=test / control)
    angle = math.asin(math.sqrt(baseline)) + float(h) / 2
    return (math.sin(min(angle, math.pi / 2)) ** 2) - baseline


def needed_control(effect_size: float, control: int, test: int, *, means: bool) -> int | None:
    """Control customers needed to detect ``effect_size`` (Cohen's h, or d for ``means``) at 80 % power.

    The test group grows in proportion (the same test:control ratio). None for an
    effect that is not positive.

    Examples
    --------
    >>> needed_control(0.1, 500, 4500, means=False)
    873
    """
    if not effect_size > 0 or control < 1 or test < 1 or not math.isfinite(effect_size):
        return None
    _, sms = require("the sample size")
    power = sms.TTestIndPower() if means else sms.NormalIndPower()
    n = power.solve_power(effect_size=effect_size, nobs1=None, alpha=ALPHA, power=POWER, ratio=test / control)
    return math.ceil(float(n))
