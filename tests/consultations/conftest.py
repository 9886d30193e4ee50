"""The consultation tests' clinic (tests/helpers/consultations.py)."""

from __future__ import annotations

import pytest

from tests.helpers.consultations import Clinic, make_clinic


@pytest.fixture
def clinic(app) -> Clinic:
    return make_clinic(app)
