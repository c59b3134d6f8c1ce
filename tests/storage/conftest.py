"""Fixtures for storage tests: a freshly created vault whose recovery key is known, and a clock
that tests move by hand."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from core.auth import Authenticator
from core.session import Session
from tests.conftest import ADMIN


class FakeClock:
    def __init__(self) -> None:
        self.now = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def fake_clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def created(auth: Authenticator, tmp_path: Path) -> Iterator[tuple[Path, str, Session]]:
    """(vault folder, recovery key, open administrator session) of a vault made for this test."""
    path = tmp_path / "created"
    session, recovery = auth.create(path, *ADMIN)
    yield path, recovery, session
    if not session.locked:
        session.close()
