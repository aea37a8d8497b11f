"""Shared test helpers: paths are resolved from this file, never from the working directory."""

from pathlib import Path

import pytest

TESTS_DIR = Path(__file__).resolve().parent


@pytest.fixture
def test_data_dir() -> Path:
    return TESTS_DIR / "data"
