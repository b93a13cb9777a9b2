"""What `virsh domcapabilities` says, typed: the CPU modes and models, the firmware (`<os><loader>`) and the
TPM that guests of one virt type and machine type may have (nova's getDomainCapabilities). It runs nothing;
wizard.virsh asks the questions and keeps these answers with the others."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from xml.etree import ElementTree


def parse_xml(text: str) -> ElementTree.Element | None:
    """The root element of libvirt's XML, or None when the text is not XML (an error, an empty answer)."""
    try:
        # libvirt's own answer, or a recording of one; expat in Python 3.11 refuses entity expansion attacks.
        return ElementTree.fromstring(text)  # noqa: S314
    except ElementTree.ParseError:
        return None


@dataclass(frozen=True)
class Loader:
    """`<os><loader>` of domain capabilities: the firmware libvirt can give guests of this machine type."""

    firmware: tuple[str, ...]  # <enum name='firmware'>: "efi", "bios" (firmware autoselection)
    paths: tuple[str, ...]  # the firmware images it found
    types: tuple[str, ...]  # "rom", "pflash"
    secure: tuple[str, ...]  # "yes" when some firmware implements Secure Boot for this machine

    @property
    def secure_boot(self) -> bool:
        """Secure Boot firmware for this machine type (nova's supports_secure_boot reads the same enum)."""
        return "yes" in self.secure

    @property
    def uefi(self) -> bool:
        """UEFI firmware for this machine type (nova's supports_uefi: a pflash loader)."""
        return "pflash" in self.types or "efi" in self.firmware


@dataclass(frozen=True)
class DomainCapabilities:
    """`virsh domcapabilities --virttype V`: what guests of that virt type may ask for on this host."""

    virt_type: str
    arch: str
    machine: str
    modes: Mapping[str, bool]  # CPU mode -> supported ('host-passthrough', 'host-model', 'custom', 'maximum')
    host_model: str  # the named model host-model stands for ("" when not supported)
    models: Mapping[
        str, bool | None
    ]  # custom models, in libvirt's order -> usable (None: libvirt does not say)
    tpm: bool | None  # an emulated TPM can be given (<tpm supported='yes'> with backend model emulator)
    loader: Loader | None = None  # None: libvirt said nothing of firmware
    tpm_models: tuple[str, ...] = ()  # "tpm-tis", "tpm-crb"
    tpm_versions: tuple[str, ...] = ()  # "1.2", "2.0"

    @property
    def usable_models(self) -> tuple[str, ...]:
        return tuple(name for name, usable in self.models.items() if usable)

    def model_usable(self, name: str) -> bool | None:
        """Whether libvirt calls the model usable for this virt type (None: it does not list the model)."""
        wanted = name.lower()
        return next((usable for model, usable in self.models.items() if model.lower() == wanted), None)


def parse_domain_capabilities(text: str) -> DomainCapabilities | None:
    root = parse_xml(text)
    if root is None or root.tag != "domainCapabilities":
        return None
    modes: dict[str, bool] = {}
    host_model = ""
    models: dict[str, bool | None] = {}
    for mode in root.findall("cpu/mode"):
        name = mode.get("name", "")
        modes[name] = mode.get("supported") == "yes"
        if name == "host-model" and modes[name]:
            host_model = (mode.findtext("model") or "").strip()
        if name == "custom":
            for model in mode.findall("model"):
                usable = model.get("usable")
                models[(model.text or "").strip()] = None if usable is None else usable == "yes"
    tpm = root.find("devices/tpm")
    tpm_supported: bool | None = None
    tpm_models: tuple[str, ...] = ()
    tpm_versions: tuple[str, ...] = ()
    if tpm is not None:
        backends = {value.text for value in tpm.findall("enum[@name='backendModel']/value")}
        tpm_supported = tpm.get("supported") == "yes" and "emulator" in backends
        tpm_models = _values(tpm, "model")
        tpm_versions = _values(tpm, "backendVersion")
    loader = root.find("os/loader")
    os_element = root.find("os")
    return DomainCapabilities(
        virt_type=root.findtext("domain", "").strip(),
        arch=root.findtext("arch", "").strip(),
        machine=root.findtext("machine", "").strip(),
        modes=modes,
        host_model=host_model,
        models=models,
        tpm=tpm_supported,
        loader=None
        if loader is None or os_element is None
        else Loader(
            firmware=_values(os_element, "firmware"),
            paths=tuple((value.text or "").strip() for value in loader.findall("value")),
            types=_values(loader, "type"),
            secure=_values(loader, "secure"),
        ),
        tpm_models=tpm_models,
        tpm_versions=tpm_versions,
    )


def _values(element: ElementTree.Element, name: str) -> tuple[str, ...]:
    return tuple((value.text or "").strip() for value in element.findall(f"enum[@name='{name}']/value"))


def trim_domain_capabilities(text: str) -> str:
    """The part of `virsh domcapabilities` the wizard reads: which guest this is (path, domain, machine, arch),
    its firmware (`os`), the CPU modes and models, and the TPM; not the disks, graphics and other devices."""
    root = parse_xml(text)
    if root is None or root.tag != "domainCapabilities":
        return text
    kept = ElementTree.Element("domainCapabilities")
    for name in ("path", "domain", "machine", "arch", "os", "cpu"):
        child = root.find(name)
        if child is not None:
            kept.append(child)
    tpm = root.find("devices/tpm")
    if tpm is not None:
        ElementTree.SubElement(kept, "devices").append(tpm)
    ElementTree.indent(kept)
    return ElementTree.tostring(kept, encoding="unicode") + "\n"
