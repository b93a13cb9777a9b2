"""What libvirt says, asked through virsh: the read-only questions nova-compute asks libvirt at its start, and
their answers as typed values.

nova asks libvirt through its Python binding; every call it makes at start has a virsh equivalent that prints the
same XML or text (getLibVersion/getVersion: `version`; getCapabilities: `capabilities`; getDomainCapabilities:
`domcapabilities`; getCPUModelNames: `cpu-models ARCH`; compareHypervisorCPU: `hypervisor-cpu-compare`;
listSecrets: `secret-list`). The probe asks them on the live host and records the answers; the rules judge
answers with what libvirt said; the apply's health check asks again after writing nova.conf. This module only
builds the questions and reads the answers: it runs nothing.

libvirt refuses domcapabilities, hypervisor-cpu-baseline and hypervisor-cpu-compare on a read-only connection,
so the questions go over the read-write socket, as nova's own connection does; none of them changes anything.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from xml.etree import ElementTree

from wizard.virsh_domcaps import DomainCapabilities, parse_domain_capabilities, parse_xml
from wizard.xml_text import escape, quoteattr

DEFAULT_URI = (
    "qemu:///system"  # nova's connection for virt_type kvm and qemu ([libvirt] connection_uri unset)
)
VIRT_TYPES = ("kvm", "qemu")
CPU_MODES = ("host-passthrough", "host-model", "custom")


def virsh_argv(uri: str, *arguments: str) -> tuple[str, ...]:
    return ("virsh", "-c", uri, *arguments)


def secure_boot_machine(arch: str) -> str | None:
    """The machine type guests with Secure Boot need: q35 on x86 (nova refuses Secure Boot on i440fx), the
    default elsewhere (None: nova's default machine, whose capabilities `domcapabilities` gives already)."""
    return "q35" if arch in ("x86_64", "i686") else None


def queries(arch: str) -> dict[str, tuple[str, ...]]:
    """The questions the probe asks, by the key its record keeps them under (``arch``: the host's, for
    `cpu-models`). `hypervisor-cpu-baseline kvm` reads `domcapabilities kvm`'s answer on its standard input.
    On x86 the capabilities of q35 guests are asked too: nova asks them of every machine type, and they say
    whether guests can have UEFI Secure Boot firmware (the default machine, i440fx, never can)."""
    machine = secure_boot_machine(arch)
    return {
        "version": ("version",),
        "capabilities": ("capabilities",),
        **{f"domcapabilities {virt}": ("domcapabilities", "--virttype", virt) for virt in VIRT_TYPES},
        **{
            f"domcapabilities {virt} {machine}": ("domcapabilities", "--virttype", virt, "--machine", machine)
            for virt in VIRT_TYPES
            if machine is not None
        },
        "cpu-models": ("cpu-models", arch),
        "secret-list": ("secret-list",),
        "hypervisor-cpu-baseline kvm": (
            "hypervisor-cpu-baseline",
            "--features",
            "--virttype",
            "kvm",
            "/dev/stdin",
        ),
    }


# --- version ------------------------------------------------------------------------------------------------

Triple = tuple[int, int, int]
_VERSION = re.compile(r"(\d+)\.(\d+)(?:\.(\d+))?")


def _triple(text: str) -> Triple | None:
    match = _VERSION.search(text)
    if match is None:
        return None
    return int(match[1]), int(match[2]), int(match[3] or 0)


@dataclass(frozen=True)
class Versions:
    """`virsh version`: the libvirt library the daemon runs, and the hypervisor (QEMU) it drives."""

    library: Triple | None
    hypervisor: Triple | None
    hypervisor_name: str = ""


def parse_version(text: str) -> Versions:
    library: Triple | None = None
    hypervisor: Triple | None = None
    name = ""
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key.strip() == "Using library":
            library = _triple(value)
        elif key.strip() == "Running hypervisor":
            name = value.split()[0] if value.split() else ""
            hypervisor = _triple(value)
    return Versions(library, hypervisor, name)


def version_text(version: Triple) -> str:
    return ".".join(str(part) for part in version)


# --- capabilities -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HostCapabilities:
    """`virsh capabilities`: the host CPU as libvirt names it, and the guests it can run (arch -> domain types)."""

    arch: str
    cpu_model: str
    cpu_vendor: str
    guests: Mapping[str, tuple[str, ...]]


def parse_capabilities(text: str) -> HostCapabilities | None:
    root = parse_xml(text)
    if root is None or root.tag != "capabilities":
        return None
    cpu = root.find("host/cpu")
    guests: dict[str, tuple[str, ...]] = {}
    for guest in root.findall("guest"):
        arch = guest.find("arch")
        if arch is None or guest.findtext("os_type", "") != "hvm":
            continue
        name = arch.get("name", "")
        found = tuple(domain.get("type", "") for domain in arch.findall("domain"))
        guests[name] = tuple(dict.fromkeys(guests.get(name, ()) + found))
    return HostCapabilities(
        arch=(cpu.findtext("arch", "") if cpu is not None else "").strip(),
        cpu_model=(cpu.findtext("model", "") if cpu is not None else "").strip(),
        cpu_vendor=(cpu.findtext("vendor", "") if cpu is not None else "").strip(),
        guests=guests,
    )


def trim_capabilities(text: str) -> str:
    """The part of `virsh capabilities` the wizard reads: the host CPU's arch, model and vendor, and each guest
    architecture with its domain types (the rest, topology and machine lists, is long and says nothing here)."""
    root = parse_xml(text)
    if root is None or root.tag != "capabilities":
        return text
    kept = ElementTree.Element("capabilities")
    cpu = root.find("host/cpu")
    if cpu is not None:
        host = ElementTree.SubElement(ElementTree.SubElement(kept, "host"), "cpu")
        for name in ("arch", "model", "vendor"):
            child = cpu.find(name)
            if child is not None:
                ElementTree.SubElement(host, name).text = child.text
    for guest in root.findall("guest"):
        arch = guest.find("arch")
        if arch is None:
            continue
        copy = ElementTree.SubElement(kept, "guest")
        ElementTree.SubElement(copy, "os_type").text = guest.findtext("os_type", "")
        copied = ElementTree.SubElement(copy, "arch", name=arch.get("name", ""))
        for domain in arch.findall("domain"):
            ElementTree.SubElement(copied, "domain", type=domain.get("type", ""))
    ElementTree.indent(kept)
    return ElementTree.tostring(kept, encoding="unicode") + "\n"


# --- CPU models, features, secrets ---------------------------------------------------------------------------

ALL_MODELS_ACCEPTED = "all CPU models are accepted"  # virsh's answer where libvirt keeps no list (aarch64)


def parse_cpu_models(text: str) -> tuple[str, ...] | None:
    """`virsh cpu-models ARCH`: libvirt's names for that architecture (None: libvirt accepts any name there)."""
    if ALL_MODELS_ACCEPTED in text:
        return None
    return tuple(line.strip() for line in text.splitlines() if line.strip())


def parse_cpu_features(text: str) -> frozenset[str] | None:
    """The required features of a CPU definition (`hypervisor-cpu-baseline --features`): what it provides."""
    root = parse_xml(text)
    if root is None or root.tag != "cpu":
        return None
    return frozenset(
        feature.get("name", "")
        for feature in root.findall("feature")
        if feature.get("policy", "require") == "require"
    )


@dataclass(frozen=True)
class Secret:
    uuid: str
    usage: str  # "ceph client.nova secret"


_SECRET_LINE = re.compile(r"^\s*([0-9a-fA-F-]{36})\s+(.*?)\s*$")


def parse_secrets(text: str) -> tuple[Secret, ...]:
    """`virsh secret-list`: each secret's UUID and usage (never its value, which that command does not show)."""
    found = []
    for line in text.splitlines():
        match = _SECRET_LINE.match(line)
        if match is not None:
            found.append(Secret(match[1].lower(), match[2]))
    return tuple(found)


# --- what libvirt said, as a whole --------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    """One question's answer as recorded: exit status (None: virsh did not run to the end) and output."""

    returncode: int | None
    stdout: str = ""
    stderr: str = ""
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    @property
    def reason(self) -> str:
        """libvirt's own words for a refusal: the last `error:` line (virsh puts its summary first)."""
        if self.error:
            return self.error
        lines = [line.strip() for line in self.stderr.splitlines() if line.strip()]
        said = [line.removeprefix("error: ") for line in lines if line.startswith("error:")]
        return (said[-1] if said else (lines[-1] if lines else f"exit status {self.returncode}")).strip()


@dataclass(frozen=True)
class LibvirtAnswers:
    """What the host's libvirt answered (the probe's record, typed). A part it did not answer is None, and its
    reason is in ``refusals``."""

    uri: str
    versions: Versions | None = None
    capabilities: HostCapabilities | None = None
    domains: Mapping[str, DomainCapabilities] = field(default_factory=dict)  # virt type -> capabilities
    # virt type -> capabilities of the machine Secure Boot needs (q35 on x86; secure_boot_machine())
    machine_domains: Mapping[str, DomainCapabilities] = field(default_factory=dict)
    cpu_models: tuple[str, ...] | None = (
        None  # None: not asked, or libvirt accepts any name (see models_listed)
    )
    models_listed: bool = False  # libvirt keeps a list of models for this architecture (x86, POWER)
    hypervisor_features: frozenset[str] | None = None  # what KVM's CPU provides (baseline of host-model)
    secrets: tuple[Secret, ...] | None = None
    refusals: Mapping[str, str] = field(default_factory=dict)  # question -> libvirt's words

    def domain(self, virt_type: str) -> DomainCapabilities | None:
        return self.domains.get(virt_type)

    def secure_boot_domain(self, virt_type: str) -> DomainCapabilities | None:
        """The capabilities of the machine type Secure Boot guests need (q35 on x86, else the default one);
        None when libvirt did not answer that question (``refusals`` says why, when it was asked)."""
        default = self.domains.get(virt_type)
        if default is not None and secure_boot_machine(default.arch) is None:
            return default
        return self.machine_domains.get(virt_type)

    def known_model(self, name: str) -> str | None:
        """libvirt's spelling of a model name (nova compares names case-insensitively), or None if unknown."""
        if self.cpu_models is None:
            return None
        wanted = name.lower()
        return next((model for model in self.cpu_models if model.lower() == wanted), None)


def read_answers(uri: str, answers: Mapping[str, Answer]) -> LibvirtAnswers | None:
    """The typed answers, or None when libvirt did not answer at all (`virsh version` failed or was not asked)."""
    version = answers.get("version")
    if version is None or not version.ok:
        return None
    refusals = {key: answer.reason for key, answer in answers.items() if not answer.ok}
    domains: dict[str, DomainCapabilities] = {}
    for virt in VIRT_TYPES:
        answer = answers.get(f"domcapabilities {virt}")
        parsed = parse_domain_capabilities(answer.stdout) if answer is not None and answer.ok else None
        if parsed is not None:
            domains[virt] = parsed
    machine_domains: dict[str, DomainCapabilities] = {}
    for key, answer in answers.items():
        parts = key.split()
        if len(parts) == 3 and parts[0] == "domcapabilities" and parts[1] in VIRT_TYPES and answer.ok:
            parsed = parse_domain_capabilities(answer.stdout)
            if parsed is not None:
                machine_domains[parts[1]] = parsed
    capabilities = answers.get("capabilities")
    models = answers.get("cpu-models")
    baseline = answers.get("hypervisor-cpu-baseline kvm")
    secrets = answers.get("secret-list")
    return LibvirtAnswers(
        uri=uri,
        versions=parse_version(version.stdout),
        capabilities=parse_capabilities(capabilities.stdout)
        if capabilities is not None and capabilities.ok
        else None,
        domains=domains,
        machine_domains=machine_domains,
        cpu_models=parse_cpu_models(models.stdout) if models is not None and models.ok else None,
        models_listed=models is not None and models.ok and parse_cpu_models(models.stdout) is not None,
        hypervisor_features=parse_cpu_features(baseline.stdout)
        if baseline is not None and baseline.ok
        else None,
        secrets=parse_secrets(secrets.stdout) if secrets is not None and secrets.ok else None,
        refusals=refusals,
    )


# --- the comparison nova makes at start ---------------------------------------------------------------------


def guest_cpu_xml(model: str, flags: tuple[str, ...]) -> str:
    """The CPU nova-compute compares for each configured model at start: the model, and each extra flag once
    (nova keeps them in a set keyed by name, lower-cased; `-flag` disables, `+flag` or `flag` requires)."""
    features: dict[str, str] = {}
    for flag in flags:
        text = flag.strip().lower()
        name = text.lstrip("+-")
        if name and name not in features:
            features[name] = "disable" if text.startswith("-") else "require"
    lines = ['<cpu match="exact">', f"  <model>{escape(model)}</model>"]
    lines += [
        f"  <feature name={quoteattr(name)} policy={quoteattr(policy)}/>" for name, policy in features.items()
    ]
    return "\n".join([*lines, "</cpu>"]) + "\n"


@dataclass(frozen=True)
class Comparison:
    """`virsh hypervisor-cpu-compare`: rc 0 is identical or a superset; rc 1 is incompatible (said on stdout)
    or an error (said on stderr)."""

    compatible: bool | None  # None: libvirt could not compare (an error, which nova counts as a refusal too)
    said: str  # libvirt's words


def classify_comparison(answer: Answer) -> Comparison:
    out = answer.stdout.strip()
    if answer.returncode == 0:
        return Comparison(True, out)
    if answer.returncode == 1 and "is incompatible with" in out and not answer.stderr.strip():
        return Comparison(False, out.replace("/dev/stdin", "the CPU nova would ask for"))
    return Comparison(None, answer.reason)
