"""Docstring examples (``pytest --doctest-modules keras_dl``, part of ``make test``) run in a
fresh temporary folder each, so that an example which writes a run or a figure leaves
nothing behind."""

import pytest
from _pytest.doctest import DoctestItem


@pytest.fixture(autouse=True)
def _doctests_in_a_temporary_folder(request, tmp_path, monkeypatch):
    if isinstance(request.node, DoctestItem):
        monkeypatch.chdir(tmp_path)
