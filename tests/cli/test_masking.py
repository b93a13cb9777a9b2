"""Secrets where the masker used to miss them, in every view that shows a file: continuation lines of a
secret value (plan text and JSON), options no schema defines whose names say secret (snapshots diff, the
bundle, the lint's lines, plan), and a credential in a URL's query of a non-secret option."""

from __future__ import annotations

import tarfile
from pathlib import Path

import pytest

from tests.plan.conftest import PRODUCT_ANSWERS
from wizard.cli import main
from wizard.demo import load_scenario, make_root

SECRETS = ["S3cr3t-continued", "alpha-pass", "s1-passphrase", "s2-credential", "s3-authcode", "s4-query"]
SCENARIO = "intel-ready"
# Right above the sample line the plan uncomments: in the diff's context.
HIDDEN = """my_passphrase = s1-passphrase
api_credential = s2-credential
auth_code = s3-authcode
backend_password = alpha-pass
    S3cr3t-continued
connection_uri = qemu+ssh://nova@host/system?password=s4-query&no_verify=1
"""


@pytest.fixture
def root(tmp_path: Path) -> Path:
    root = make_root(load_scenario(SCENARIO), tmp_path / "root")
    nova = root / "etc/nova/nova.conf"
    text = nova.read_text()
    assert "\n#cpu_mode = <None>\n" in text
    nova.write_text(text.replace("\n#cpu_mode = <None>\n", f"\n{HIDDEN}#cpu_mode = <None>\n", 1))
    return root


def options(root: Path, tmp_path: Path) -> list[str]:
    answers = tmp_path / "answers.toml"
    answers.write_text(PRODUCT_ANSWERS)
    return [
        "--root",
        str(root),
        "--facts",
        str(load_scenario(SCENARIO).facts_path),
        "--answers",
        str(answers),
    ]


def shown_nothing_secret(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text, f"{secret} shown"


def test_plan_masks_them_in_text_and_json(
    root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for extra in ([], ["--json"]):
        assert main(["plan", *options(root, tmp_path), *extra]) == 0
        out = capsys.readouterr().out
        assert "    ****" in out  # the continuation line of the secret value, in the diff's context
        assert "password=****&no_verify=1" in out
        shown_nothing_secret(out)


def test_snapshots_diff_and_the_bundle_mask_them(
    root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["apply", *options(root, tmp_path), "--yes", "--no-confirm"]) == 0
    nova = root / "etc/nova/nova.conf"
    nova.write_text(nova.read_text() + "\n[hand]\nmy_passphrase = s1-passphrase\nauth_code = s3-authcode\n")
    capsys.readouterr()
    assert main(["snapshots", "--root", str(root), "diff", "1"]) == 0
    out = capsys.readouterr().out
    assert "+my_passphrase = ****" in out
    shown_nothing_secret(out)
    bundle = tmp_path / "bundle.tar.gz"
    host = options(root, tmp_path)[:4]
    assert main(["bundle", *host, "-o", str(bundle)]) == 0
    with tarfile.open(bundle) as archive:
        for member in archive.getmembers():
            stream = archive.extractfile(member)
            if stream is not None:
                shown_nothing_secret(stream.read().decode("utf-8", "replace"))


def test_the_lint_lines_mask_them(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(["check", "--root", str(root), "--no-color"])
    main(["rescue", "--report", "--root", str(root), "--facts", str(load_scenario(SCENARIO).facts_path)])
    out, error = capsys.readouterr()
    assert "nova-conf-unknown-option:libvirt.auth_code" in out
    shown_nothing_secret(out + error)
