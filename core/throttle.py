"""Growing delays after failed unlocks: a few free attempts, then doubling waits up to a cap.

A cap rather than a lockout, so nobody can shut a colleague out by typing wrong passwords."""

from __future__ import annotations

from datetime import datetime

FREE_ATTEMPTS = 3
MAX_DELAY_SECONDS = 30.0


def delay_after(failures: int) -> float:
    """Seconds to wait after the given number of consecutive failures."""
    if failures < FREE_ATTEMPTS:
        return 0.0
    return min(MAX_DELAY_SECONDS, float(2 ** (failures - FREE_ATTEMPTS)))


def retry_after(failures: int, last_failure: datetime | None, now: datetime) -> float:
    """Seconds still to wait before the next attempt is allowed (0 when it may go ahead)."""
    if last_failure is None:
        return 0.0
    waited = (now - last_failure).total_seconds()
    return max(0.0, delay_after(failures) - waited)
