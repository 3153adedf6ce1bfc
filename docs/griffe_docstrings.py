"""griffe extension for the API pages: read two reStructuredText habits of keras_dl's
docstrings as griffe's Google parser needs them.

- ``Example:`` heads the doctests (as Napoleon and Google's style guide allow). griffe knows
  only ``Examples:`` and would render the section as an admonition of plain text, where
  ``>>>`` turns into nested block quotes; read as ``Examples:``, its doctests are code.
- A paragraph ending in ``::`` introduces an indented literal block. Markdown shows the
  block as code already, and the ``::`` as two colons; one is kept.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

_EXAMPLE = re.compile(r"^([ \t]*)Example:[ \t]*$", re.MULTILINE)
_LITERAL = re.compile(r"(?<=[^:\s])::[ \t]*$", re.MULTILINE)


class ReStructuredTextHabits(griffe.Extension):
    """Rewrite ``Example:`` to ``Examples:`` and a closing ``::`` to ``:`` before parsing."""

    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            text = _EXAMPLE.sub(r"\1Examples:", obj.docstring.value)
            obj.docstring.value = _LITERAL.sub(":", text)
