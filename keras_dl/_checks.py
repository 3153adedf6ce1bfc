"""Small argument checks shared by the library's public functions."""

from __future__ import annotations


def is_int(value) -> bool:
    """Return True for Python and NumPy integers (not bools).

    Example:
        >>> is_int(3), is_int(3.0), is_int(True)
        (True, False, False)
    """
    return not isinstance(value, bool) and hasattr(value, "__index__")
