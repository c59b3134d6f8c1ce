"""The demo vault: one user per role with published passwords (listed in README.md)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from core.auth import Authenticator
from core.roles import Role


@dataclass(frozen=True)
class DemoUser:
    name: str
    role: Role
    password: str


DEMO_USERS: tuple[DemoUser, ...] = (
    DemoUser("admin", Role.ADMINISTRATOR, "Granite-Harbour-41"),
    DemoUser("manager", Role.SALES_MANAGER, "Copper-Lantern-52"),
    DemoUser("rep", Role.SALES_REP, "Willow-Compass-63"),
    DemoUser("王芳", Role.SALES_REP, "Jade-River-Tea-74"),
    DemoUser("finance", Role.FINANCE, "Ledger-Orchid-85"),
    DemoUser("auditor", Role.AUDITOR, "Quiet-Meadow-96"),
)


def create_demo_vault(auth: Authenticator, path: Path,
                      progress: Callable[[str], None] | None = None) -> list[DemoUser]:
    """Create a vault at `path` with the demo users; they need not change their passwords."""
    admin = DEMO_USERS[0]
    session, _recovery = auth.create(path, admin.name, admin.password, progress)
    try:
        for user in DEMO_USERS[1:]:
            if progress:
                progress(f"Adding demo user {user.name}…")
            session.accounts.add_user(session.user, user.name, user.role, user.password,
                                      must_change=False)
    finally:
        session.close()
    return list(DEMO_USERS)
