"""Which hypervisor runs this host, read from every signal the facts hold, and what each signal did not show.

Signals: CPUID leaf 0x40000000 and the `hypervisor` flag (x86), DMI (/sys/class/dmi/id), PCI vendor ids
(/proc/bus/pci/devices or /sys/bus/pci/devices), /sys/hypervisor and /proc/xen, the device tree, s390
/proc/sysinfo levels, POWER's cpuinfo platform and /proc/ppc64/lparcfg, and the kernel's "Hypervisor detected"
line. A product name (DMI, PCI) wins over a CPUID signature: Parallels and VirtualBox can both show KVM's.
Identification sources: systemd src/basic/virt.c, util-linux sys-utils/lscpu-virt.c, virt-what, pci.ids; the
real recordings in tests/host/corpus show each signal.
"""

from __future__ import annotations

import re

from wizard.host.facts import HostFacts
from wizard.host.hypervisor import HypervisorKind, Layer, Virtualization
from wizard.host.observed import Seen, file_seen, path_seen
from wizard.host.parsing import parse_cpuinfo

CPUID_SIGNATURES = {
    "KVMKVMKVM": (HypervisorKind.KVM, "KVM"),
    "Linux KVM Hv": (HypervisorKind.KVM, "KVM (with Hyper-V enlightenments)"),
    "Microsoft Hv": (HypervisorKind.HYPERV, "Microsoft Hyper-V"),
    "VMwareVMware": (HypervisorKind.VMWARE, "VMware"),
    "XenVMMXenVMM": (HypervisorKind.XEN, "Xen"),
    "TCGTCGTCGTCG": (HypervisorKind.QEMU_TCG, "QEMU (TCG emulation)"),
    "VBoxVBoxVBox": (HypervisorKind.VIRTUALBOX, "VirtualBox"),
    " lrpepyh  vr": (HypervisorKind.PARALLELS, "Parallels"),
    "bhyve bhyve ": (HypervisorKind.BHYVE, "bhyve"),
    "ACRNACRNACRN": (HypervisorKind.OTHER, "ACRN"),
    "QNXQVMBSQG": (HypervisorKind.OTHER, "QNX"),
}
# PCI vendor (and device) ids that only virtual hardware has (pci.ids; util-linux lscpu-virt.c).
PCI_HYPERVISORS = {
    "80ee": (HypervisorKind.VIRTUALBOX, "VirtualBox"),
    "15ad": (HypervisorKind.VMWARE, "VMware"),
    "5853": (HypervisorKind.XEN, "Xen"),
    "1414:5353": (HypervisorKind.HYPERV, "Microsoft Hyper-V"),
    "1ab8": (HypervisorKind.PARALLELS, "Parallels"),
    "1af4": (HypervisorKind.UNNAMED, "virtio devices (KVM/QEMU or another hypervisor using virtio)"),
    "1b36": (HypervisorKind.UNNAMED, "QEMU devices"),
}
DMI_FILES = (
    "sys_vendor",
    "product_name",
    "product_version",
    "bios_vendor",
    "bios_version",
    "board_vendor",
    "chassis_asset_tag",
)
AZURE_ASSET_TAG = "7783-7084-3265-9085-8269-3286-77"
_KERNEL_NAMES = (
    ("kvm", HypervisorKind.KVM, "KVM"),
    ("vmware", HypervisorKind.VMWARE, "VMware"),
    ("hyper-v", HypervisorKind.HYPERV, "Microsoft Hyper-V"),
    ("xen", HypervisorKind.XEN, "Xen"),
    ("bhyve", HypervisorKind.BHYVE, "bhyve"),
)


def _dmi(facts: HostFacts) -> dict[str, str]:
    return {
        name: (facts.text(f"/sys/class/dmi/id/{name}") or "").strip()
        for name in DMI_FILES
        if facts.text(f"/sys/class/dmi/id/{name}") is not None
    }


def dmi_layer(dmi: dict[str, str]) -> tuple[Layer | None, bool]:
    """The hypervisor DMI names, and whether DMI says bare metal (a cloud's *.metal instance)."""
    vendor, product = dmi.get("sys_vendor", ""), dmi.get("product_name", "")
    bios, bios_version = dmi.get("bios_vendor", ""), dmi.get("bios_version", "")
    words = " ".join((vendor, product, bios, dmi.get("board_vendor", ""))).lower()
    if vendor == "Amazon EC2":
        if product.endswith(".metal") or ".metal-" in product:
            return None, True
        return Layer(HypervisorKind.KVM, "KVM (Amazon EC2 Nitro)", product, "Amazon EC2"), False
    if "innotek" in words or "virtualbox" in words or bios_version == "VirtualBox":
        return Layer(HypervisorKind.VIRTUALBOX, "VirtualBox"), False
    if "vmware" in words:
        return Layer(HypervisorKind.VMWARE, "VMware", product), False
    if vendor == "Microsoft Corporation" and product == "Virtual Machine":
        azure = dmi.get("chassis_asset_tag") == AZURE_ASSET_TAG
        return Layer(
            HypervisorKind.HYPERV, "Microsoft Hyper-V", cloud="Microsoft Azure" if azure else ""
        ), False
    if "xen" in words or product == "HVM domU":
        cloud = "Amazon EC2" if bios_version.endswith(".amazon") else ""
        return Layer(HypervisorKind.XEN, "Xen", "HVM domU" if product == "HVM domU" else "", cloud), False
    if "parallels" in words:
        return Layer(HypervisorKind.PARALLELS, "Parallels"), False
    if "bhyve" in words:
        return Layer(HypervisorKind.BHYVE, "bhyve"), False
    if vendor == "Nutanix" or product == "AHV":
        return Layer(HypervisorKind.KVM, "KVM (Nutanix AHV)"), False
    if vendor == "Google" or product == "Google Compute Engine":
        return Layer(HypervisorKind.KVM, "KVM (Google Compute Engine)", cloud="Google Compute Engine"), False
    if "openstack" in words:
        return Layer(HypervisorKind.KVM, "KVM (OpenStack)"), False
    if "qemu" in words or "bochs" in words or re.search(r"\bkvm\b", words):
        return Layer(HypervisorKind.KVM, "KVM/QEMU"), False
    return None, False


def _pci_ids(facts: HostFacts) -> tuple[list[str] | None, str]:
    """vendor:device ids of the PCI devices, and where they were read; None when no PCI list was observed."""
    text = facts.text("/proc/bus/pci/devices")
    if text is not None:
        ids = []
        for line in text.splitlines():
            fields = line.split()
            if len(fields) >= 2 and len(fields[1]) == 8:
                ids.append(f"{fields[1][:4]}:{fields[1][4:]}".lower())
        return ids, "/proc/bus/pci/devices"
    listing = facts.dirs.get("/sys/bus/pci/devices")
    if listing is None or listing.error:
        return None, ""
    ids = []
    for name in listing.names:
        vendor = (facts.text(f"/sys/bus/pci/devices/{name}/vendor") or "").strip().removeprefix("0x")
        device = (facts.text(f"/sys/bus/pci/devices/{name}/device") or "").strip().removeprefix("0x")
        if vendor:
            ids.append(f"{vendor}:{device}".lower())
    return ids, "/sys/bus/pci/devices"


def pci_layer(ids: list[str]) -> tuple[Layer | None, str]:
    for pci_id in ids:
        vendor = pci_id.split(":")[0]
        for key in (pci_id, vendor):
            if key in PCI_HYPERVISORS:
                kind, name = PCI_HYPERVISORS[key]
                return Layer(kind, name), pci_id
    return None, ""


def s390_layers(sysinfo: str) -> tuple[Layer, ...]:
    """The levels of /proc/sysinfo: VM00 (the hypervisor directly below) outwards, then the LPAR."""
    names = dict(re.findall(r"^(VM\d\d) Name:\s*(.*?)\s*$", sysinfo, re.MULTILINE))
    layers: list[Layer] = []
    for level, program in re.findall(r"^(VM\d\d) Control Program:\s*(.*?)\s*$", sysinfo, re.MULTILINE):
        program_name = " ".join(program.split())
        kind = HypervisorKind.KVM if "KVM" in program_name else HypervisorKind.ZVM
        guest = names.get(level, "")
        layers.append(Layer(kind, program_name, f"guest {guest}" if guest else ""))
    lpar = re.search(r"^LPAR Name:\s*(.*?)\s*$", sysinfo, re.MULTILINE)
    layers.append(Layer(HypervisorKind.PRSM, "PR/SM", f"LPAR {lpar.group(1)}" if lpar else "LPAR"))
    return tuple(layers)


def _device_tree(facts: HostFacts, name: str) -> str:
    return (facts.text(f"/proc/device-tree/{name}") or "").replace("\0", "\n")


class _Signals:
    """The signs found so far: the first product name wins, every sign is evidence."""

    def __init__(self) -> None:
        self.layer: Layer | None = None
        self.guest = False
        self.bare_metal: list[tuple[str, str]] = []
        self.evidence: list[tuple[str, str]] = []
        self.not_seen: list[str] = []

    def sign(self, source: str, observed: str, layer: Layer | None = None) -> None:
        self.guest = True
        self.evidence.append((source, observed))
        if layer is not None and layer.kind is not HypervisorKind.UNNAMED and self.layer is None:
            self.layer = layer

    def metal(self, source: str, observed: str) -> None:
        self.bare_metal.append((source, observed))


def read_virtualization(
    facts: HostFacts, family: str, flags: frozenset[str], signature: str | None, cpuid_note: str | None
) -> Virtualization:
    """Every sign of a hypervisor (or of bare metal) the facts hold; ``family`` is the ArchFamily value."""
    found = _Signals()
    cpuinfo = parse_cpuinfo(facts.text("/proc/cpuinfo") or "")
    cpuid_layer: Layer | None = None
    if family == "x86":
        if "hypervisor" in flags:
            found.sign("/proc/cpuinfo", "flags: ... hypervisor ...")
        elif facts.text("/proc/cpuinfo") is not None:
            found.metal("/proc/cpuinfo", "no hypervisor flag")
        if signature:
            kind, name = CPUID_SIGNATURES.get(signature, (HypervisorKind.OTHER, signature))
            cpuid_layer = Layer(kind, name)
            found.sign("CPUID leaf 0x40000000", f"signature {signature!r}")
        elif cpuid_note:
            found.not_seen.append(f"CPUID leaf 0x40000000: {cpuid_note}")
    # Xen: /proc/xen (xenfs) and /sys/hypervisor; capabilities "control_d" means dom0.
    xen_caps = facts.files.get("/proc/xen/capabilities")
    xen_dom0 = xen_caps is not None and "control_d" in (xen_caps.content or "")
    xen_type = (facts.text("/sys/hypervisor/type") or "").strip()
    if xen_caps is not None and xen_caps.content is not None:
        role = "dom0 (the control domain)" if xen_dom0 else "domU"
        found.sign(
            "/proc/xen/capabilities", repr(xen_caps.content.strip()), Layer(HypervisorKind.XEN, "Xen", role)
        )
    if xen_type:
        kind = HypervisorKind.XEN if xen_type == "xen" else HypervisorKind.OTHER
        found.sign("/sys/hypervisor/type", xen_type, Layer(kind, xen_type.capitalize()))
    # DMI
    dmi = _dmi(facts)
    dmi_seen: Layer | None = None
    pci_seen: Layer | None = None
    if dmi:
        layer, metal = dmi_layer(dmi)
        dmi_seen = layer
        shown = ", ".join(
            f"{key} {value!r}" for key, value in dmi.items() if key != "chassis_asset_tag" and value
        )
        if layer is not None:
            found.sign("/sys/class/dmi/id", shown[:160], layer)
        elif metal:
            found.metal("/sys/class/dmi/id", f"{shown[:120]} (a bare-metal cloud instance)")
        elif dmi.get("sys_vendor") or dmi.get("product_name"):
            found.metal("/sys/class/dmi/id", shown[:160])
    elif family in {"x86", "arm"}:
        found.not_seen.append(f"DMI (/sys/class/dmi/id): {_unknown('/sys/class/dmi/id/sys_vendor', facts)}")
    # PCI
    ids, where = _pci_ids(facts)
    if ids is None:
        if family not in {"s390"}:
            found.not_seen.append(
                f"PCI ids (/proc/bus/pci/devices): {_unknown('/proc/bus/pci/devices', facts)}"
            )
    else:
        layer, pci_id = pci_layer(ids)
        pci_seen = layer
        if layer is not None:
            found.sign(where, f"device {pci_id}: {layer.name}", layer)
        elif ids:
            found.metal(where, f"{len(ids)} devices, none of a hypervisor")
    # Device tree (arm64, POWER, RISC-V)
    hypervisor_node = _device_tree(facts, "hypervisor/compatible")
    if hypervisor_node:
        words = hypervisor_node.lower()
        kind, name = (
            (HypervisorKind.KVM, "KVM")
            if "kvm" in words
            else (HypervisorKind.XEN, "Xen")
            if "xen" in words
            else (HypervisorKind.VMWARE, "VMware")
            if "vmware" in words
            else (HypervisorKind.OTHER, hypervisor_node.split()[0])
        )
        found.sign(
            "/proc/device-tree/hypervisor/compatible", " ".join(hypervisor_node.split()), Layer(kind, name)
        )
    compatible = _device_tree(facts, "compatible")
    if "qemu,pseries" in compatible:
        found.sign("/proc/device-tree/compatible", "qemu,pseries", Layer(HypervisorKind.KVM, "KVM"))
    elif "ibm,powernv" in compatible:
        found.metal("/proc/device-tree/compatible", "ibm,powernv")
    if facts.text("/proc/device-tree/ibm,partition-name") is not None and "qemu" not in compatible:
        partition = _device_tree(facts, "ibm,partition-name").strip()
        hmc = path_seen(facts, "/proc/device-tree/hmc-managed?") is Seen.PRESENT
        found.sign(
            "/proc/device-tree/ibm,partition-name",
            f"{partition!r}" + (", hmc-managed?" if hmc else ""),
            Layer(HypervisorKind.POWERVM, "PowerVM", f"LPAR {partition}" if partition else "LPAR"),
        )
    # POWER: the platform line, and lparcfg in PowerVM partitions.
    if family == "power":
        platform = cpuinfo.get("platform", "")
        lparcfg = facts.text("/proc/ppc64/lparcfg")
        if platform == "pSeries":
            model = cpuinfo.get("model", "")
            if "qemu" in model.lower():
                found.sign(
                    "/proc/cpuinfo", f"platform pSeries, model {model!r}", Layer(HypervisorKind.KVM, "KVM")
                )
            else:
                mode = re.search(r"^shared_processor_mode=(\d)", lparcfg or "", re.MULTILINE)
                detail = "LPAR" + (
                    f", {'shared' if mode.group(1) == '1' else 'dedicated'} processors" if mode else ""
                )
                found.sign(
                    "/proc/cpuinfo",
                    f"platform pSeries, model {model!r}",
                    Layer(HypervisorKind.POWERVM, "PowerVM", detail),
                )
                if lparcfg is not None:
                    found.evidence.append(
                        ("/proc/ppc64/lparcfg", f"shared_processor_mode={mode.group(1) if mode else '?'}")
                    )
        elif platform == "PowerNV" or path_seen(facts, "/sys/firmware/opal") is Seen.PRESENT:
            found.metal(
                "/proc/cpuinfo", f"platform {platform or '?'}, firmware {cpuinfo.get('firmware', '?')}"
            )
    # The kernel's own word, when it logged one.
    for line in facts.kernel_log:
        match = re.search(r"Hypervisor detected: (.+)$", line)
        if match:
            text = match.group(1).strip()
            kind, name = next(
                ((kind, name) for word, kind, name in _KERNEL_NAMES if word in text.lower()),
                (HypervisorKind.OTHER, text),
            )
            found.sign("kernel log", f"Hypervisor detected: {text}", Layer(kind, name))
            break
    if cpuid_layer is not None and found.layer is None:
        found.layer = cpuid_layer
    layers: tuple[Layer, ...] = (found.layer,) if found.layer is not None else ()
    if family == "s390":
        sysinfo = facts.text("/proc/sysinfo")
        if sysinfo is not None:
            layers = s390_layers(sysinfo)
            top = layers[0]
            found.evidence.append(
                (
                    "/proc/sysinfo",
                    top.label if top.kind is HypervisorKind.PRSM else f"VM00 Control Program: {top.name}",
                )
            )
            return Virtualization(True, layers, tuple(found.evidence), tuple(found.not_seen))
        found.not_seen.append(f"/proc/sysinfo: {_unknown('/proc/sysinfo', facts)}")
        return Virtualization(None, (), tuple(found.evidence), tuple(found.not_seen))
    if family == "sparc" and cpuinfo.get("type") == "sun4v":
        return Virtualization(
            None,
            (Layer(HypervisorKind.SUN4V, "the sun4v hypervisor", "Logical Domains"),),
            (("/proc/cpuinfo", "type sun4v"),),
        )
    if family == "sparc" and cpuinfo.get("type", "").startswith("sun4"):
        return Virtualization(False, (), (("/proc/cpuinfo", f"type {cpuinfo['type']} (no hypervisor)"),))
    if found.guest:
        if not layers:
            layers = (Layer(HypervisorKind.UNNAMED, "an unidentified hypervisor"),)
        # Xen without a sign of HVM (DMI, the platform PCI device, the CPUID signature) is a PV domain.
        hvm = any(
            layer is not None and layer.kind is HypervisorKind.XEN
            for layer in (dmi_seen, pci_seen, cpuid_layer)
        )
        xen_pv = family == "x86" and layers[0].kind is HypervisorKind.XEN and not xen_dom0 and not hvm
        if xen_pv:
            layers = (Layer(HypervisorKind.XEN, "Xen", "domU, paravirtualized (PV)"), *layers[1:])
        return Virtualization(True, layers, tuple(found.evidence), tuple(found.not_seen), xen_dom0, xen_pv)
    if _bare_metal_known(family, found):
        return Virtualization(False, (), tuple(found.bare_metal), tuple(found.not_seen))
    return Virtualization(None, (), tuple(found.bare_metal), tuple(found.not_seen))


def _bare_metal_known(family: str, found: _Signals) -> bool:
    """No sign of a hypervisor, and enough was seen to say so: a VirtualBox guest can hide the x86 flag."""
    sources = {source for source, _ in found.bare_metal}
    if family == "power":
        return any(source in {"/proc/cpuinfo", "/proc/device-tree/compatible"} for source in sources)
    machine_identity = sources & {"/sys/class/dmi/id", "/proc/bus/pci/devices", "/sys/bus/pci/devices"}
    if family == "x86":
        return "/proc/cpuinfo" in sources and bool(machine_identity)
    return bool(machine_identity)


def _unknown(path: str, facts: HostFacts) -> str:
    read = facts.files.get(path)
    if read is None:
        return "not recorded"
    if file_seen(facts, path) is Seen.ABSENT:
        return "not present"
    return read.error or "not readable"
