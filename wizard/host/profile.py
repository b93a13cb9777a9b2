"""HostProfile: the typed view of HostFacts that diagnosis, validation and planning share.

It interprets raw observations (text, stat results, command output) into plain typed values, and
judges nothing: whether a value is good or bad is diagnosis's business. ``HostProfile.from_facts`` is
pure and cheap, so every consumer can build its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from wizard.effective import EffectiveConfig
from wizard.host.access import Accounts, KvmAccess, kvm_access
from wizard.host.config_chain import (
    GLANCE_API,
    NOVA_COMPUTE,
    ConfigChain,
    chains_from_facts,
    recorded_config,
)
from wizard.host.facts import HostFacts, PathStat, UdevDevice
from wizard.host.firmware import GuestFirmware, read_guest_firmware
from wizard.host.kernel import (
    FirmwareHints,
    KvmProbeResult,
    ModuleInfo,
    ModuleLoading,
    ModuleState,
    NestedState,
    read_config,
    read_firmware_hints,
    read_kvm_probe,
    read_module_loading,
    read_modules,
    read_nested,
)
from wizard.host.observed import Seen, path_seen
from wizard.host.parsing import parse_group, parse_passwd, parse_qemu_conf_user
from wizard.host.platform import ArchFamily, Platform, Vendor, read_platform
from wizard.host.secure_boot import HostSecureBoot, read_secure_boot
from wizard.host.stack import StackView, read_stack
from wizard.host.system import (
    Distribution,
    DistroFamily,
    LogView,
    ModuleConfiguration,
    Tool,
    TpmDevice,
    read_distribution,
    read_log,
    read_module_configuration,
    read_tpm2_tools,
    read_tpm_devices,
    read_volume_groups,
)

NOVA_USER = "nova"
DEVICES = ("/dev/kvm", "/dev/vhost-net", "/dev/net/tun")


@dataclass(frozen=True)
class Udev:
    running: bool | None  # udevd listens on /run/udev/control
    kvm_rules: tuple[tuple[str, str], ...]  # (file, rule line) of rules that match KERNEL=="kvm"
    rules_searched: bool  # whether any rules directory was listed (else kvm_rules proves nothing)
    init: str  # /proc/1/comm: "systemd", "init", ...
    devices: tuple[UdevDevice, ...] = ()  # what pyudev enumerated (kvm, tpm, tpmrm)
    error: str | None = None  # why pyudev did not enumerate

    @property
    def kvm_group_rule(self) -> tuple[str, str] | None:
        """The rule that gives /dev/kvm its group, if any."""
        return next((rule for rule in self.kvm_rules if 'GROUP="' in rule[1]), None)


@dataclass(frozen=True)
class Iommu:
    dmar: bool  # Intel VT-d ACPI table
    ivrs: bool  # AMD-Vi ACPI table
    groups: int | None  # entries in /sys/kernel/iommu_groups; None when not readable


@dataclass(frozen=True)
class HostProfile:
    """Everything diagnosis and the planner need to know about a host, typed."""

    source: str
    root: str
    platform: Platform
    kernel_release: str
    kernel_config: dict[str, str]  # CONFIG_ name -> y/m/n/value (only the options the probe keeps)
    kernel_config_source: str | None
    cmdline: str
    euid: int
    module_loading: ModuleLoading
    modules: dict[str, ModuleInfo]  # kvm, kvm_intel, kvm_amd, kvm_hv, kvm_pr, kvm_pvm, vhost_net, tun
    module_config: ModuleConfiguration
    kvm_device: PathStat
    kvm_registered: bool | None  # the kernel registered misc device kvm (/proc/misc, /sys/class/misc/kvm)
    kvm: KvmProbeResult
    nested: dict[str, NestedState]
    firmware: FirmwareHints
    kernel_log_source: str
    kernel_log_error: str | None
    distribution: Distribution
    accounts: Accounts
    qemu_user: str
    qemu_user_source: str  # "/etc/libvirt/qemu.conf" or "the Debian default", ...
    access: dict[str, KvmAccess]  # qemu_user and nova
    udev: Udev
    vhost_net_device: PathStat
    tun_device: PathStat
    iommu: Iommu
    tpm_devices: tuple[TpmDevice, ...]
    tpm2_tools: Tool | None
    swtpm: Tool | None
    swtpm_setup: Tool | None
    volume_groups: tuple[str, ...] | None
    volume_groups_source: str
    nova_conf: PathStat
    glance_api_conf: PathStat
    ceph_conf: PathStat
    logs: tuple[LogView, ...]
    executables: dict[str, str]
    nova_chain: ConfigChain  # the files nova-compute reads, in oslo's order (wizard.host.config_chain)
    glance_chain: ConfigChain
    nova_config: EffectiveConfig  # their settings as recorded (secrets masked): what nova-compute reads
    glance_config: EffectiveConfig
    stack: StackView  # what libvirt answered, nova's and Ceph's packages, libvirt's swtpm account, SMT
    secure_boot: HostSecureBoot  # the host's own UEFI Secure Boot state
    guest_firmware: GuestFirmware  # QEMU's firmware descriptors: the UEFI firmware guests can get
    # Whether each device was observed present, observed absent, or not observed (a tree without /dev).
    device_seen: dict[str, Seen] = field(default_factory=dict)

    # --- derived values -----------------------------------------------------------------------------

    @property
    def vendor_modules(self) -> tuple[str, ...]:
        """The modules that give KVM its hardware support here, in the order to try them."""
        family = self.platform.family
        if family is ArchFamily.X86:
            vendor = "kvm_amd" if self.platform.vendor is Vendor.AMD else "kvm_intel"
            return (vendor, "kvm_pvm") if self.modules["kvm_pvm"].present else (vendor,)
        if family is ArchFamily.POWER:
            return ("kvm_hv", "kvm_pr")
        return ()  # aarch64 and s390x: kvm itself

    @property
    def nested_module(self) -> str | None:
        """The module whose `nested` parameter controls nested guests on this CPU."""
        family = self.platform.family
        if family is ArchFamily.X86:
            return "kvm_amd" if self.platform.vendor is Vendor.AMD else "kvm_intel"
        if family is ArchFamily.POWER:
            return "kvm_hv"
        if family is ArchFamily.S390:
            return "kvm"
        return None

    @property
    def active_kvm_modules(self) -> tuple[str, ...]:
        return tuple(name for name in ("kvm", *self.vendor_modules) if self.modules[name].present)

    @property
    def pvm_active(self) -> bool:
        """KVM is provided by PVM (kvm_pvm): KVM without hardware virtualization, inside a guest."""
        vendor = self.vendor_modules[0] if self.vendor_modules else None
        return self.modules["kvm_pvm"].present and not (vendor and self.modules[vendor].present)

    @property
    def udevd_can_fix(self) -> bool:
        return bool(self.udev.running)

    @staticmethod
    def from_facts(facts: HostFacts) -> HostProfile:
        platform = read_platform(facts)
        config, config_source = read_config(facts)
        modules = read_modules(facts, config)
        module_config = read_module_configuration(facts)
        distribution = read_distribution(facts)
        accounts = _accounts(facts)
        qemu_user, qemu_source = _qemu_user(facts, distribution, accounts)
        device = facts.stat("/dev/kvm")
        nested_modules = tuple(name for name in ("kvm_intel", "kvm_amd", "kvm_hv", "kvm") if name in modules)
        misc = facts.text("/proc/misc")
        registered: bool | None = None
        if misc is not None:
            registered = any(line.split()[-1:] == ["kvm"] for line in misc.splitlines())
        elif path_seen(facts, "/sys/class/misc/kvm") is not Seen.UNKNOWN:
            registered = facts.stat("/sys/class/misc/kvm").exists
        control = facts.stats.get("/run/udev/control")
        rules = tuple(
            (path, line.strip())
            for path in sorted(facts.files)
            if path.endswith(".rules")
            for line in (facts.text(path) or "").splitlines()
            if line.strip() and not line.strip().startswith("#")
        )
        groups = facts.dirs.get("/sys/kernel/iommu_groups")
        volume_groups, volume_source = read_volume_groups(facts)
        debian = (
            None
            if distribution.family in (DistroFamily.UNKNOWN,)
            else distribution.family is DistroFamily.DEBIAN
        )
        chains = chains_from_facts(facts, debian=debian)
        return HostProfile(
            source=facts.source,
            root=facts.root,
            platform=platform,
            kernel_release=facts.kernel_release,
            kernel_config=config,
            kernel_config_source=config_source,
            cmdline=(facts.text("/proc/cmdline") or "").strip(),
            euid=facts.euid,
            module_loading=read_module_loading(facts, config),
            modules=modules,
            module_config=module_config,
            kvm_device=device,
            kvm_registered=registered,
            kvm=read_kvm_probe(facts),
            nested=read_nested(facts, module_config.options, nested_modules),
            firmware=read_firmware_hints(facts, platform.vendor is Vendor.AMD),
            kernel_log_source=facts.kernel_log_source,
            kernel_log_error=facts.kernel_log_error,
            distribution=distribution,
            accounts=accounts,
            qemu_user=qemu_user,
            qemu_user_source=qemu_source,
            access={
                user: kvm_access(user, device, accounts) for user in dict.fromkeys((qemu_user, NOVA_USER))
            },
            udev=Udev(
                running=(control.kind == "socket")
                if control is not None and path_seen(facts, "/run/udev/control") is not Seen.UNKNOWN
                else None,
                kvm_rules=rules,
                rules_searched=any(
                    "/rules.d" in path and not entry.error for path, entry in facts.dirs.items()
                ),
                init=(facts.text("/proc/1/comm") or "").strip(),
                devices=facts.udev,
                error=facts.udev_error,
            ),
            vhost_net_device=facts.stat("/dev/vhost-net"),
            tun_device=facts.stat("/dev/net/tun"),
            iommu=Iommu(
                dmar=facts.stat("/sys/firmware/acpi/tables/DMAR").exists,
                ivrs=facts.stat("/sys/firmware/acpi/tables/IVRS").exists,
                groups=len(groups.names) if groups is not None and groups.error is None else None,
            ),
            tpm_devices=read_tpm_devices(facts),
            tpm2_tools=read_tpm2_tools(facts),
            swtpm=_tool(facts, "swtpm"),
            swtpm_setup=_tool(facts, "swtpm_setup"),
            volume_groups=volume_groups,
            volume_groups_source=volume_source,
            nova_conf=facts.stat("/etc/nova/nova.conf"),
            glance_api_conf=facts.stat("/etc/glance/glance-api.conf"),
            ceph_conf=facts.stat("/etc/ceph/ceph.conf"),
            logs=tuple(
                read_log(facts, path) for path in sorted(p for p in facts.files if p.endswith(".log"))
            ),
            executables=dict(facts.executables),
            nova_chain=chains[NOVA_COMPUTE.name],
            glance_chain=chains[GLANCE_API.name],
            nova_config=recorded_config(facts, chains[NOVA_COMPUTE.name]),
            glance_config=recorded_config(facts, chains[GLANCE_API.name]),
            stack=read_stack(facts),
            secure_boot=read_secure_boot(facts),
            guest_firmware=read_guest_firmware(facts),
            device_seen={path: path_seen(facts, path) for path in DEVICES},
        )

    def seen(self, path: str) -> Seen:
        """Whether a device of DEVICES (/dev/kvm, /dev/net/tun, ...) was seen there, seen missing, or not seen."""
        return self.device_seen.get(path, Seen.UNKNOWN)

    def module_state(self, name: str) -> ModuleState:
        info = self.modules.get(name)
        return info.state if info is not None else ModuleState.UNKNOWN


def _tool(facts: HostFacts, name: str) -> Tool | None:
    path = facts.executables.get(name)
    return Tool(name, path) if path else None


def _accounts(facts: HostFacts) -> Accounts:
    passwd = facts.files.get("/etc/passwd")
    group = facts.files.get("/etc/group")
    errors = [
        f"{path}: {read.error if read is not None else 'not recorded'}"
        for path, read in (("/etc/passwd", passwd), ("/etc/group", group))
        if read is None or read.content is None
    ]
    return Accounts(
        users=parse_passwd(passwd.content or "" if passwd is not None else ""),
        groups=parse_group(group.content or "" if group is not None else ""),
        readable=not errors,
        error="; ".join(errors) or None,
    )


def _qemu_user(facts: HostFacts, distribution: Distribution, accounts: Accounts) -> tuple[str, str]:
    """The account QEMU runs as: libvirt's qemu.conf `user`, else the distribution's default."""
    configured, _ = parse_qemu_conf_user(facts.text("/etc/libvirt/qemu.conf") or "")
    if configured:
        if configured.startswith("+"):
            uid = int(configured[1:]) if configured[1:].isdigit() else -1
            name = next((user.name for user in accounts.users.values() if user.uid == uid), configured)
            return name, "/etc/libvirt/qemu.conf"
        return configured, "/etc/libvirt/qemu.conf"
    default = distribution.default_qemu_user
    other = "qemu" if default == "libvirt-qemu" else "libvirt-qemu"
    if default not in accounts.users and other in accounts.users:
        return other, f"the account that exists here ({other})"
    names = {"debian": "Debian's", "rhel": "Red Hat's", "suse": "SUSE's", "arch": "Arch Linux's"}
    return default, f"{names.get(distribution.family.value, 'the usual')} default"
