"""The activity log and the diffs mask with wizard.secrets itself: by the option schema, not a name pattern."""

from __future__ import annotations

from pathlib import Path

from tests.apply.scenario import NOVA_BEFORE, NOVA_CONF
from wizard import secrets
from wizard.apply.compare import diff_generations
from wizard.apply.log import mask, mask_file_lines
from wizard.apply.transaction import apply_plan
from wizard.commands import CommandRunner
from wizard.plan.model import Action, FileEdit, FileKind, Plan, Reason

# Options nova's schema flags secret whose names no pattern of "password", "secret", "token" or "key" catches,
# and a multi-host URL whose second password a one-credential URL pattern misses.
SECRETS = ("SECRETPW", "RABBIT-1", "RABBIT-2", "ROLE-4242")
TRANSPORT_URL = "rabbit://nova:RABBIT-1@h1:5672,nova:RABBIT-2@h2:5672/"
NOVA_LINES = [
    "[DEFAULT]",
    f"transport_url = {TRANSPORT_URL}",
    "[database]",
    "connection = mysql+pymysql://nova:SECRETPW@db/nova",
    "[vault]",
    "approle_role_id = ROLE-4242",
    "[libvirt]",
    "virt_type = kvm",
]


def test_file_lines_are_masked_by_the_option_schema() -> None:
    assert mask_file_lines("nova.conf", NOVA_LINES) == [
        "[DEFAULT]",
        "transport_url = ****",
        "[database]",
        "connection = ****",
        "[vault]",
        "approle_role_id = ****",
        "[libvirt]",
        "virt_type = kvm",
    ]


def test_log_lines_are_masked_by_wizard_secrets() -> None:
    line = f"connecting to {TRANSPORT_URL} and mysql+pymysql://nova:SECRETPW@db/nova"
    assert mask(line) == secrets.mask_text(line)
    assert not [secret for secret in SECRETS if secret in mask(line)]


def test_the_log_and_the_diff_show_no_secret_only_the_schema_knows(root: Path) -> None:
    after = "".join(f"{line}\n" for line in NOVA_LINES).encode()
    edit = FileEdit(NOVA_CONF, FileKind.NOVA_CONF, NOVA_BEFORE, after, ())
    show = Action(
        "show",
        "Show the transport URL",
        ("echo", TRANSPORT_URL),
        (Reason("why", "test"),),
        True,
        live_only=False,
    )
    result = apply_plan(Plan(edits=(edit,), actions=(show,)), root, runner=CommandRunner())
    assert result.ok, result.error
    assert result.generation is not None
    log = (root / "var/log/kvm-wizard.log").read_text()
    assert "rabbit://nova:****@h1:5672,nova:****@h2:5672/" in log
    diff = "\n".join(next(item for item in diff_generations(root, result.generation).files).lines)
    for line in ("+transport_url = ****", "+connection = ****", "+approle_role_id = ****"):
        assert line in diff
    assert not [secret for secret in SECRETS if secret in log or secret in diff]
