"""`privacy due | access-request | anonymise`: exit codes, the file written, refusals."""

from __future__ import annotations

import json
from pathlib import Path

from core.auth import Authenticator
from core.customers.model import NATIONAL_ID, CustomerDraft, CustomerKind
from core.roles import Role
from tests.cli.conftest import Runner, open_admin
from tests.conftest import USERS

ID_NUMBER = "11010519491231002X"


def _customer(cli_auth: Authenticator, vault: Path) -> int:
    admin = open_admin(cli_auth, vault)
    try:
        return admin.customers.create(admin.user, CustomerDraft(
            kind=CustomerKind.INDIVIDUAL, name="Cli Subject", phones=("13812340000",),
            sensitive={NATIONAL_ID: ID_NUMBER})).id
    finally:
        admin.close()


def test_access_request_and_anonymise(as_admin: Runner, cli: Runner, cli_auth: Authenticator,
                                      vault_path: Path, tmp_path: Path) -> None:
    cid = _customer(cli_auth, vault_path)
    out = tmp_path / "subject.json"
    result = as_admin("privacy", "access-request", str(cid), str(out))
    assert result.code == 0, result.err
    assert json.loads(out.read_text(encoding="utf-8"))["customer"]["sensitive"] == {
        NATIONAL_ID: ID_NUMBER}
    assert as_admin("privacy", "access-request", str(cid), str(tmp_path / "x.txt")).code == 2
    name, password = USERS[Role.SALES_REP]
    refused = cli("privacy", "anonymise", str(cid), "--reason", "asked", "--vault",
                  str(vault_path), "--user", name, stdin=[password])
    assert refused.code == 1 and "Traceback" not in refused.err
    done = as_admin("privacy", "anonymise", str(cid), "--reason", "subject asked")
    assert done.code == 0, done.err
    search = as_admin("customers", "search", "Cli Subject")
    assert search.lines == []
    due = as_admin("privacy", "due")
    assert due.code == 0 and due.lines == []
