"""Verification after writing, and the health checks of confirm-or-revert: files, parsers, modules, /dev/kvm, and
libvirt's judgement of nova.conf's CPU settings."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from wizard.apply.atomic import FileState, NotAFileError, describe_os_error, read_state
from wizard.apply.libvirt_check import libvirt_accepts
from wizard.apply.spec import TransactionSpec
from wizard.commands import CommandRunner
from wizard.effective import EffectiveConfig
from wizard.option_types import FileKind as FileKindName
from wizard.options import validate_value
from wizard.plan.model import Check, CheckKind, FileKind
from wizard.rootfs import PathEscapeError, read_under, under

_PROC_BYTES = 4 * 1024 * 1024  # /proc/modules, a module parameter


@dataclass(frozen=True)
class CheckResult:
    check: Check
    ok: bool
    detail: str


@dataclass(frozen=True)
class ParseProblem:
    line_number: int
    message: str
    text: str

    def __str__(self) -> str:
        return f"line {self.line_number}: {self.message}: {self.text!r}"


def parse_problems(kind: str, content: bytes) -> list[ParseProblem]:
    """What a parser of this kind of file refuses in ``content`` (INI files only; others always parse)."""
    if not FileKind(kind).is_ini:
        return []
    from wizard.files.ini import IniDocument  # the round-trip parser the plan was made with

    return [
        ParseProblem(problem.line_number, problem.message, problem.text)
        for problem in IniDocument.parse(content).problems()
    ]


def new_parse_problems(kind: str, before: FileState, after: FileState) -> list[ParseProblem]:
    """Problems the new content has that the old did not: an odd line the operator left stays their business."""
    if not after.exists:
        return []
    old = (
        {(item.message, item.text) for item in parse_problems(kind, before.content)}
        if before.exists
        else set()
    )
    return [item for item in parse_problems(kind, after.content) if (item.message, item.text) not in old]


def kvm_api_works(device: Path) -> tuple[bool, str]:
    """Open the device read-write, check KVM_GET_API_VERSION is 12, create a VM (and close it at once)."""
    from wizard.host.live import probe_kvm_api

    probe = probe_kvm_api(str(device))
    if probe.create_vm:
        return True, f"{device} opens and creates a VM"
    return False, f"{device}: {probe.open_error or probe.create_vm_error or 'does not create a VM'}"


def _module_loaded(root: Path, name: str) -> bool:
    wanted = name.replace("-", "_")
    if under(root, f"/sys/module/{wanted}").is_dir():
        return True
    try:
        modules = read_under(root, "/proc/modules", limit=_PROC_BYTES).decode("utf-8", "replace")
    except (OSError, PathEscapeError):
        return False
    return any(line.split(" ", 1)[0] == wanted for line in modules.splitlines())


_TRUE = {"y", "1", "yes", "true", "on"}
_FALSE = {"n", "0", "no", "false", "off"}


def _same_parameter(value: str, expected: str) -> bool:
    value, expected = value.strip().lower(), expected.strip().lower()
    return (
        value == expected
        or (value in _TRUE and expected in _TRUE)
        or (value in _FALSE and expected in _FALSE)
    )


def run_check(
    root: Path, check: Check, kinds: dict[str, str], runner: CommandRunner | None = None
) -> CheckResult:
    """One check of the plan against the system under ``root``; ``kinds`` maps system paths to file kinds;
    ``runner`` asks libvirt (a check that needs it fails without one)."""
    if check.kind is CheckKind.LIBVIRT_ACCEPTS:
        if runner is None:
            return CheckResult(check, False, "libvirt cannot be asked: no command runner")
        ok, said = libvirt_accepts(root, check.subject, check.expected, runner, check.files)
        return CheckResult(check, ok, said)
    if check.kind is CheckKind.MODULE_LOADED:
        loaded = _module_loaded(root, check.subject)
        return CheckResult(check, loaded, f"module {check.subject} is {'loaded' if loaded else 'not loaded'}")
    if check.kind is CheckKind.MODULE_PARAMETER:
        module, _, parameter = check.subject.partition(".")
        try:
            data = read_under(root, f"/sys/module/{module}/parameters/{parameter}", limit=_PROC_BYTES)
        except OSError as error:
            return CheckResult(check, False, f"{check.subject} cannot be read: {error.strerror or error}")
        except PathEscapeError as error:
            return CheckResult(check, False, f"{check.subject} cannot be read: {error}")
        value = data.decode("utf-8", "replace").strip()
        ok = _same_parameter(value, check.expected)
        return CheckResult(
            check, ok, f"{check.subject} is {value}" + ("" if ok else f", expected {check.expected}")
        )
    if check.kind is CheckKind.EFFECTIVE_VALUE:
        return _effective_value(root, check)
    if check.kind is CheckKind.KVM_OPENS:
        ok, detail = kvm_api_works(under(root, check.subject or "/dev/kvm"))
        return CheckResult(check, ok, detail)
    try:
        state = read_state(under(root, check.subject))
    except NotAFileError as error:
        return CheckResult(check, False, f"{check.subject} {error}")
    except (PathEscapeError, OSError) as error:
        return CheckResult(check, False, f"{check.subject}: {error}")
    if not state.exists:
        return CheckResult(check, False, f"{check.subject} does not exist")
    problems = parse_problems(kinds.get(check.subject, FileKind.TEXT.value), state.content)
    if problems:
        return CheckResult(check, False, f"{check.subject} does not parse: {problems[0]}")
    return CheckResult(check, True, f"{check.subject} parses")


def _effective_value(root: Path, check: Check) -> CheckResult:
    """The service's files read again in its order: the option has the value written, wherever it comes from."""
    kind, _, rest = check.subject.partition(" [")
    section, _, key = rest.partition("] ")
    texts: list[tuple[str, bytes | None]] = []
    for path in check.files:
        try:
            state = read_state(under(root, path))
        except (NotAFileError, PathEscapeError, OSError) as error:
            return CheckResult(check, False, f"{path} cannot be read back: {error}")
        texts.append((path, state.content if state.exists else None))
    file_kind: FileKindName = "glance-api.conf" if kind == "glance-api.conf" else "nova.conf"
    effective = EffectiveConfig.parse(file_kind, texts).option(section, key)
    shown = f"[{section}] {key}"
    if not check.expected:
        ok = effective.winner is None
        where = effective.winner.where() if effective.winner is not None else ""
        return CheckResult(check, ok, f"{shown} is not set" if ok else f"{shown} is still set ({where})")
    if effective.winner is None or effective.option is None:
        return CheckResult(check, False, f"{shown} is set in none of {', '.join(check.files)}")
    now = validate_value(effective.option, effective.winner.raw_value)
    wanted = validate_value(effective.option, check.expected)
    ok = now == wanted
    return CheckResult(
        check,
        ok,
        f"{shown} = {effective.winner.value} ({effective.winner.where()})"
        + ("" if ok else f", expected {check.expected}"),
    )


def verify_transaction(
    root: Path, spec: TransactionSpec, runner: CommandRunner | None = None
) -> tuple[list[str], list[CheckResult]]:
    """Problems found after writing (empty: all good), and the checks that ran."""
    problems: list[str] = []
    for target in spec.targets:
        try:
            state = read_state(under(root, target.written_path))
        except OSError as error:
            problems.append(f"{target.path} cannot be read back: {describe_os_error(error)}")
            continue
        except NotAFileError as error:
            problems.append(f"{target.path} {error}")
            continue
        if state.exists != target.after.exists or state.content != target.after.content:
            problems.append(f"{target.path} reads back different from what was written")
        elif not state.same_as(target.after):
            problems.append(
                f"{target.path} has owner, mode or extended attributes {state.attributes}, "
                f"expected {target.after.attributes}"
            )
        elif spec.strict:
            problems += [
                f"{target.path} does not parse: {item}"
                for item in new_parse_problems(target.kind, target.before, state)
            ]
    kinds = {target.written_path: target.kind for target in spec.targets}
    kinds.update({target.path: target.kind for target in spec.targets})
    # The smoke guest is a step of its own (wizard.apply.smoke_guest), run by the engine after these.
    results = [
        run_check(root, check, kinds, runner)
        for check in spec.checks
        if check.kind is not CheckKind.SMOKE_GUEST
    ]
    problems += [result.detail for result in results if not result.ok]
    if spec.kvm_worked_before:
        works, detail = kvm_api_works(under(root, "/dev/kvm"))
        if not works:
            problems.append(f"KVM worked before the apply and does not now: {detail}")
    return problems, results
