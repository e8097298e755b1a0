"""What some tests need from outside the repository: the third-party corpora in ``../shared``
and Debian's Chromium. Missing under CI, that is a broken setup and the test fails; on a
developer machine without them, the test is skipped with the same message."""

from __future__ import annotations

import os
from typing import NoReturn

import pytest


def missing(message: str) -> NoReturn:
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)
