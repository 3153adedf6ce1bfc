"""Small argument checks shared by the library's public functions."""

from __future__ import annotations

import math
import numbers


def is_int(value) -> bool:
    """Return True for Python and NumPy integers (not bools).

    Example:
        >>> is_int(3), is_int(3.0), is_int(True)
        (True, False, False)
    """
    return not isinstance(value, bool) and hasattr(value, "__index__")


def is_number(value) -> bool:
    """Return True for real numbers (Python or NumPy), not bools, strings or NaN.

    Example:
        >>> import numpy as np
        >>> is_number(0.2), is_number(np.float32(0.2)), is_number("0.2"), is_number(True)
        (True, True, False, False)
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return False
    return not math.isnan(value)
