"""Measured configuration and `kvm-wizard attest` against a real TPM (swtpm) and the real tpm2-tools: every
committed generation extended into the PCR, quotes made and checked with tpm2_quote and tpm2_checkquote, and
every way a quote must fail (wrong nonce, a tampered log or file, another generation, another key, drift, no
TPM) failing with its meaning and its remedy."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.apply.scenario import make_root, standard_plan
from tests.tpm.conftest import Swtpm, free_port_pair, tpm2
from wizard.answers import parse_answers
from wizard.apply.generations import MANIFEST
from wizard.apply.measure import MEASUREMENTS, boot_log, measuring_pcr
from wizard.apply.rollback import rollback_generation
from wizard.apply.state import STATE_DIRECTORY, state_paths
from wizard.apply.transaction import apply_plan
from wizard.attest.quote import make_quote
from wizard.attest.verify import verify_quote
from wizard.bundle.contents import generation_members
from wizard.commands import CommandRunner
from wizard.files.toml_depth import load_toml
from wizard.host.facts import HostFacts
from wizard.host.profile import HostProfile
from wizard.plan.build import build_plan
from wizard.plan.model import FileEdit, FileKind, LineChange, Plan, Reason
from wizard.plan.node import node_answers, root_reader
from wizard.tpm.pcr import MEASURE_SETTING, RESET_VALUE, replay

NONCE = "5eed" * 8
NOVA = "/etc/nova/nova.conf"
PROJECT = Path(__file__).resolve().parents[2]
MAIN = "import sys; from wizard.cli import main; sys.exit(main())"


@pytest.fixture
def tpm(swtpm: Swtpm, monkeypatch: pytest.MonkeyPatch) -> Swtpm:
    monkeypatch.setenv("TPM2TOOLS_TCTI", swtpm.tcti)
    return swtpm


def _applied(root: Path, pcr: int | None = 23, *, line: str = "") -> int:
    """An apply with measuring into ``pcr`` (None: turned off), its generation: the standard plan the first
    time, later one that adds ``line`` to nova.conf."""
    if state_paths(root).generations.exists():
        before = (root / NOVA.lstrip("/")).read_bytes()
        reason = (Reason("the test wants it", "test"),)
        change = LineChange("DEFAULT", "debug", (), (line,), reason)
        plan = Plan(
            edits=(FileEdit(NOVA, FileKind.NOVA_CONF, before, before + f"{line}\n".encode(), (change,)),)
        )
    else:
        plan = standard_plan(root, actions=())
    plan = dataclasses.replace(plan, measure_pcr=pcr, measure_off=pcr is None)
    result = apply_plan(plan, root, runner=CommandRunner())
    assert result.ok, result.error
    assert result.generation is not None
    return result.generation


def _pcr(instance: Swtpm, pcr: int = 23) -> str:
    said = tpm2(instance, "pcrread", f"sha256:{pcr}").stdout
    return said.strip().rsplit("0x", 1)[-1].lower()


def _digest(root: Path, generation: int) -> str:
    return hashlib.sha256((state_paths(root).generation(generation) / MANIFEST).read_bytes()).hexdigest()


def _quote(root: Path, nonce: str = NONCE) -> dict[str, Any]:
    made = make_quote(root, nonce, runner=CommandRunner(), environment=os.environ)
    assert made.ok, (made.meaning, made.remedy)
    return made.document


def test_each_committed_generation_is_extended_and_logged(tmp_path: Path, tpm: Swtpm) -> None:
    root = make_root(tmp_path / "root")
    assert _pcr(tpm) == RESET_VALUE
    first = _applied(root)
    assert measuring_pcr(state_paths(root)) == 23
    assert _pcr(tpm) == replay([_digest(root, first)])
    # A rollback is a committed generation too: measured, because measuring is on for the node.
    rolled = rollback_generation(root, first, runner=CommandRunner(), accept_drift=True)
    assert rolled.ok, rolled.error
    assert rolled.generation is not None
    events, problems = boot_log(state_paths(root))
    assert not problems
    assert [(event.generation, event.reason) for event in events] == [
        (first, "applied"),
        (rolled.generation, "rolled back"),
    ]
    assert _pcr(tpm) == replay([_digest(root, first), _digest(root, rolled.generation)])
    assert events[-1].pcr_after == _pcr(tpm)
    recorded = load_toml((state_paths(root).generation(first) / MEASUREMENTS).read_text())
    assert recorded["event"][0]["digest"] == _digest(root, first)
    assert oct((state_paths(root).generation(first) / MEASUREMENTS).stat().st_mode & 0o777) == "0o600"
    # A support bundle says when each generation was measured.
    manifests = {member.name: member.data.decode() for member in generation_members(root)}
    assert "measured: PCR 23 (sha256) " in manifests[f"generations/{first}/manifest.txt"]
    assert f"applied: {_digest(root, first)}" in manifests[f"generations/{first}/manifest.txt"]


def test_an_apply_without_measuring_turns_it_off(tmp_path: Path, tpm: Swtpm) -> None:
    root = make_root(tmp_path / "root")
    _applied(root)
    value = _pcr(tpm)
    _applied(root, None, line="# measuring off")
    assert measuring_pcr(state_paths(root)) is None
    assert _pcr(tpm) == value  # not extended again


def test_pcr_16_works_as_well(tmp_path: Path, tpm: Swtpm) -> None:
    root = make_root(tmp_path / "root")
    generation = _applied(root, 16)
    assert _pcr(tpm, 16) == replay([_digest(root, generation)])
    document = _quote(root)
    assert document["pcr"] == 16
    assert verify_quote(root, NONCE, document, runner=CommandRunner()).ok


def test_quote_and_verify_round_trip(tmp_path: Path, tpm: Swtpm) -> None:
    root = make_root(tmp_path / "root")
    generation = _applied(root)
    document = _quote(root)
    key = document["attestation_key"]
    assert key["first_use"] is True
    assert "BEGIN PUBLIC KEY" in key["public_pem"]
    assert (state_paths(root).directory / "attest/ak.pem").read_text() == key["public_pem"]
    verdict = verify_quote(root, NONCE, document, runner=CommandRunner())
    assert verdict.ok, (verdict.reason, verdict.meaning)
    assert verdict.meaning == f"This node runs generation {generation}, as reviewed."
    assert verdict.generation == generation
    assert "kvm, qcow2, nested host-passthrough" in verdict.summary
    assert any("signed by the node's attestation key" in check for check in verdict.checks)
    # The key is the same every time (a primary key of the endorsement hierarchy): nothing secret on disk.
    again = _quote(root, "00" * 32)
    assert again["attestation_key"]["fingerprint"] == key["fingerprint"]
    assert again["attestation_key"]["first_use"] is False
    # Every handle the quote loaded is flushed again: swtpm has no resource manager to do it.
    assert "0x8" not in tpm2(tpm, "getcap", "handles-transient").stdout


def test_wrong_nonce_tampered_files_and_other_generations_are_refused(tmp_path: Path, tpm: Swtpm) -> None:
    root = make_root(tmp_path / "root")
    first = _applied(root)
    second = _applied(root, line="# changed")
    document = _quote(root)
    runner = CommandRunner()

    def refused(document: dict[str, Any], *, nonce: str = NONCE, where: Path = root) -> tuple[str, str, str]:
        verdict = verify_quote(where, nonce, document, runner=runner)
        assert not verdict.ok
        assert verdict.meaning
        assert verdict.remedy
        return verdict.reason, verdict.meaning, verdict.remedy

    reason, meaning, remedy = refused(document, nonce="ab" * 32)
    assert reason == "wrong-nonce"
    assert "another nonce" in meaning
    assert "attest quote --nonce" in remedy

    log = json.loads(json.dumps(document))
    log["events"] = log["events"][1:]  # an event left out: the log claims only the last generation
    assert refused(log)[0] == "tampered-log"
    log = json.loads(json.dumps(document))
    log["events"][0]["digest"] = _digest(root, second)  # generation 1 presented as generation 2's content
    assert refused(log)[0] == "tampered-log"
    log = json.loads(json.dumps(document))
    log["events"][1]["generation"] = first  # claims to run the older generation
    reason, meaning, _ = refused(log)
    assert reason == "generation-differs"
    assert f"Generation {first}" in meaning

    altered = json.loads(json.dumps(document))
    pcrs = bytearray(base64.b64decode(altered["quote"]["pcrs"]))
    pcrs[bytes(pcrs).index(bytes.fromhex(altered["pcr_value"])) + 5] ^= 1  # inside the PCR value
    altered["quote"]["pcrs"] = base64.b64encode(bytes(pcrs)).decode()
    assert refused(altered)[0] == "pcrs-altered"
    signed = json.loads(json.dumps(document))
    signature = bytearray(base64.b64decode(signed["quote"]["signature"]))
    signature[20] ^= 1
    signed["quote"]["signature"] = base64.b64encode(bytes(signature)).decode()
    assert refused(signed)[0] == "bad-signature"

    # The generations of another node (or an older copy) under --root.
    elsewhere = make_root(tmp_path / "elsewhere")
    assert refused(document, where=elsewhere)[0] == "generation-missing"
    copy = tmp_path / "copy"
    shutil.copytree(root, copy, symlinks=True)
    manifest = state_paths(copy).generation(second) / MANIFEST
    manifest.write_text(manifest.read_text() + "# edited after it was applied\n")
    assert refused(document, where=copy)[0] == "generation-differs"
    assert refused({"format": "something else"})[0] == "not-a-quote"


def test_a_quote_of_another_tpm_is_not_the_nodes(tmp_path: Path, tpm: Swtpm, swtpm_factory: Any) -> None:
    root = make_root(tmp_path / "root")
    _applied(root)
    _quote(root)  # records the node's key
    other = swtpm_factory()
    copy = tmp_path / "other-node"
    shutil.copytree(root, copy, symlinks=True)
    shutil.rmtree(state_paths(copy).directory / "attest")
    for measured in state_paths(copy).generations.glob(f"*/{MEASUREMENTS}"):
        measured.unlink()  # the other node's own log, of its own TPM
    os.environ["TPM2TOOLS_TCTI"] = other.tcti
    forged = _quote(copy)  # another TPM measures the same generation on first quote
    os.environ["TPM2TOOLS_TCTI"] = tpm.tcti
    verdict = verify_quote(root, NONCE, forged, runner=CommandRunner())
    assert verdict.reason == "unknown-key"
    assert "not the node's" in verdict.meaning
    pinned = tmp_path / "other.pem"
    pinned.write_text(forged["attestation_key"]["public_pem"])
    assert verify_quote(root, NONCE, forged, runner=CommandRunner(), key_pem=pinned.read_text()).ok


def test_after_a_reboot_the_first_quote_measures_the_current_generation(tmp_path: Path, tpm: Swtpm) -> None:
    """A reboot resets the PCR and gives a new boot id: the events recorded before belong to the old boot."""
    root = make_root(tmp_path / "root")
    generation = _applied(root)
    path = state_paths(root).generation(generation) / MEASUREMENTS
    path.write_text(path.read_text().replace(boot_log(state_paths(root))[0][0].boot_id, "an-earlier-boot"))
    assert tpm2(tpm, "pcrreset", "23").returncode == 0
    made = make_quote(root, NONCE, runner=CommandRunner(), environment=os.environ)
    assert made.ok, made.meaning
    assert any(f"generation {generation} measured into PCR 23" in note for note in made.notes)
    assert [event["reason"] for event in made.document["events"]] == ["first quote after boot"]
    assert verify_quote(root, NONCE, made.document, runner=CommandRunner()).ok


def test_what_stops_a_quote(tmp_path: Path, tpm: Swtpm, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_root(tmp_path / "root")
    made = make_quote(root, NONCE, runner=CommandRunner(), environment=os.environ)
    assert (made.reason, made.ok) == ("measuring-off", False)
    assert "tpm.measure = true" in made.remedy
    generation = _applied(root)
    (root / "etc/nova/nova.conf").write_bytes(b"[DEFAULT]\nhand = edited\n")
    made = make_quote(root, NONCE, runner=CommandRunner(), environment=os.environ)
    assert made.reason == "drift"
    assert "/etc/nova/nova.conf" in made.meaning
    assert f"snapshots rollback {generation}" in made.remedy
    monkeypatch.delenv("TPM2TOOLS_TCTI")
    made = make_quote(root, NONCE, runner=CommandRunner(), environment=os.environ)
    assert made.reason == "not-this-tpm"  # another root's TPM is not this machine's


def test_no_tpm_answering(tmp_path: Path, tpm: Swtpm) -> None:
    root = make_root(tmp_path / "root")
    _applied(root)
    port, _ = free_port_pair()  # nothing listens there
    silent = {**os.environ, "TPM2TOOLS_TCTI": f"swtpm:host=127.0.0.1,port={port}"}
    made = make_quote(root, NONCE, runner=CommandRunner(), environment=silent)
    assert not made.ok
    assert made.reason == "tpm"
    assert f"Nothing answers at 127.0.0.1 port {port}" in made.meaning
    assert "Start the TPM simulator" in made.remedy


def test_lockout_does_not_stop_attestation_and_is_said(tmp_path: Path, tpm: Swtpm) -> None:
    root = make_root(tmp_path / "root")
    _applied(root)
    index = "0x1500016"
    assert (
        tpm2(
            tpm, "nvdefine", index, "-C", "o", "-s", "8", "-a", "authread|authwrite", "-p", "right"
        ).returncode
        == 0
    )
    for _ in range(3):  # swtpm's limit: TPM2_PT_MAX_AUTH_FAIL
        tpm2(tpm, "nvread", index, "-P", "wrong", "-s", "8")
    made = make_quote(root, NONCE, runner=CommandRunner(), environment=os.environ)
    assert made.ok, made.meaning
    assert any("dictionary-attack lockout" in note and "--clear-lockout" in note for note in made.notes)
    assert verify_quote(root, NONCE, made.document, runner=CommandRunner()).ok


def _kvm_wizard(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", MAIN, *args],
        capture_output=True,
        text=True,
        cwd=PROJECT,
        env=dict(os.environ),
        input=stdin,
        timeout=60,
        check=False,
    )


def test_the_commands_headless(tmp_path: Path, tpm: Swtpm) -> None:
    root = make_root(tmp_path / "root")
    generation = _applied(root)
    quote = tmp_path / "quote.json"
    made = _kvm_wizard("attest", "quote", "--root", str(root), "--nonce", NONCE, "-o", str(quote))
    assert made.returncode == 0, made.stderr
    assert f"Quoted generation {generation} into {quote}" in made.stderr
    verified = _kvm_wizard("attest", "verify", "--root", str(root), "--nonce", NONCE, str(quote))
    assert verified.returncode == 0, verified.stdout
    assert verified.stdout.startswith(f"This node runs generation {generation}, as reviewed.")
    report = _kvm_wizard("attest", "verify", "--root", str(root), "--nonce", "ff" * 32, str(quote), "--json")
    assert report.returncode == 1
    data = json.loads(report.stdout)
    assert (data["schema"], data["verified"], data["reason"]) == (1, False, "wrong-nonce")
    assert data["remedy"]
    piped = _kvm_wizard("attest", "quote", "--root", str(root), "--nonce", NONCE, "-o", "-", "--json")
    assert piped.returncode == 0, piped.stderr
    assert json.loads(piped.stdout)["quote"]["format"] == "kvm-wizard-quote"
    assert (
        _kvm_wizard(
            "attest",
            "verify",
            "--root",
            str(root),
            "--nonce",
            NONCE,
            "-",
            stdin=json.dumps(json.loads(piped.stdout)["quote"]),
        ).returncode
        == 0
    )
    for bad in ("xyz", "abc", "00" * 65):
        refused = _kvm_wizard("attest", "quote", "--root", str(root), "--nonce", bad, "-o", str(quote))
        assert refused.returncode == 2
        assert "--nonce" in refused.stderr
    assert _kvm_wizard("attest", "verify", "--nonce", NONCE, str(tmp_path / "missing.json")).returncode == 2
    assert _kvm_wizard("attest", "quote", "--nonce", NONCE, "-o", "/dev/stdout").returncode == 2
    off = make_root(tmp_path / "off")
    refused = _kvm_wizard(
        "attest", "quote", "--root", str(off), "--nonce", NONCE, "-o", str(tmp_path / "x.json")
    )
    assert refused.returncode == 1
    assert "Not quoted: Measuring is off on this node" in refused.stderr
    assert "What to do:" in refused.stderr
    assert not (tmp_path / "x.json").exists()


def test_the_node_keeps_measuring_unless_an_answers_file_says_otherwise(tmp_path: Path, tpm: Swtpm) -> None:
    """Measuring is the node's state (measure.toml): an answers file that leaves tpm.measure out keeps it, one
    that says false turns it off (issue 15's rule for every key)."""
    assert Path(MEASURE_SETTING).parent == Path(STATE_DIRECTORY)
    root = make_root(tmp_path / "root")
    _applied(root, 16)
    profile = HostProfile.from_facts(HostFacts(root=str(root)))
    node = node_answers(profile, root_reader(root))
    assert (node.answers.tpm.measure, node.answers.tpm.measure_pcr) == (True, 16)
    assert {"tpm.measure", "tpm.measure_pcr"} <= node.configured
    kept = parse_answers('version = 2\n[hypervisor]\nvirt_type = "kvm"\n').answers.resolved(node.answers)
    assert (kept.tpm.measure, kept.tpm.measure_pcr) == (True, 16)
    assert build_plan(HostFacts(root=str(root)), kept, root).measure_pcr is None  # kept: nothing to set
    off = parse_answers("version = 2\n[tpm]\nmeasure = false\n").answers.resolved(node.answers)
    plan = build_plan(HostFacts(root=str(root)), off, root)
    assert (plan.measure_pcr, plan.measure_off) == (None, True)
