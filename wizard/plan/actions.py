"""Actions on the running system (modules, /dev/kvm, packages, services) and the checks that verify them."""

from __future__ import annotations

from dataclasses import dataclass, field

from wizard.answers import Answers
from wizard.host.facts import HostFacts
from wizard.host.kernel import ModuleState
from wizard.host.profile import HostProfile
from wizard.host.system import DistroFamily
from wizard.plan.model import Action, Check, CheckKind, Reason
from wizard.tpm.tools import PackageInstall, swtpm_install, tools_install


@dataclass
class ActionPlan:
    actions: list[Action] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def kvm_module(profile: HostProfile) -> str | None:
    """The module that provides KVM here: one already in the kernel, else the vendor's module to load."""
    candidates = profile.vendor_modules or ("kvm",)
    for name in candidates:
        if profile.module_state(name) in (ModuleState.LOADED, ModuleState.BUILTIN):
            return name
    return candidates[0] if candidates else None


VHOST_NET_REASON = Reason(
    "guests' network packets are handled in the kernel", "answers: performance.vhost_net = true"
)


def kvm_module_reason(module: str, vendor: str) -> Reason:
    return Reason(
        f"{module} gives KVM its hardware support on this CPU; without it instances fail with "
        "\"no supported architecture for os type 'hvm'\"",
        f"answers: hypervisor.virt_type = kvm; host: CPU vendor {vendor}",
    )


def restart_reason(unit: str, file: str) -> Reason:
    return Reason(f"{unit} reads {file} only when it starts", f"plan: {file} changes")


def wants_kvm(answers: Answers) -> bool:
    """The answers give virt_type kvm: the KVM module and /dev/kvm are made to work (a kept virt_type changes
    nothing of the host)."""
    return answers.hypervisor.virt_type == "kvm" and answers.is_given("hypervisor.virt_type")


@dataclass(frozen=True)
class NestedChange:
    """What the plan does to the nested parameter: turn it on or off, whether a file changes for it, and
    whether the kernel command line overrides the files (then nothing is reloaded)."""

    enabled: bool
    file_changed: bool
    overridden_by_cmdline: bool = False


def modules_to_load(answers: Answers, profile: HostProfile) -> list[tuple[str, tuple[Reason, ...]]]:
    """Modules the answers need, each with why: the KVM module for virt_type kvm, vhost_net when asked."""
    wanted: list[tuple[str, tuple[Reason, ...]]] = []
    if wants_kvm(answers):
        module = kvm_module(profile)
        if module is not None:
            wanted.append((module, (kvm_module_reason(module, profile.platform.vendor.value),)))
    if answers.performance.vhost_net and answers.is_given("performance.vhost_net"):
        wanted.append(("vhost_net", (VHOST_NET_REASON,)))
    return wanted


def module_actions(
    answers: Answers, profile: HostProfile, plan: ActionPlan, *, nested: NestedChange | None = None
) -> list[tuple[str, tuple[Reason, ...]]]:
    """Load now what is missing; reload the nested module when its parameter must change (``nested``: None
    leaves it alone). Returns what to persist."""
    persist = load_actions(answers, profile, plan)
    nested_actions(answers, profile, plan, nested)
    return persist


def load_actions(
    answers: Answers, profile: HostProfile, plan: ActionPlan
) -> list[tuple[str, tuple[Reason, ...]]]:
    """Load now the modules the answers need and that are missing; returns those to load at boot too."""
    loading = profile.module_loading.possible
    persist: list[tuple[str, tuple[Reason, ...]]] = []
    for module, reasons in modules_to_load(answers, profile):
        state = profile.module_state(module)
        if state is ModuleState.BUILTIN:
            continue  # always there; nothing to load or persist
        if loading is False:
            plan.notes.append(
                f"{module} cannot be loaded: this kernel cannot load modules ({'; '.join(profile.module_loading.evidence)}). "
                f"Boot a kernel with {module} built in or with module support."
            )
            continue
        persist.append((module, reasons))
        if state is not ModuleState.LOADED:
            plan.actions.append(
                Action(
                    id=f"load-module:{module}",
                    title=f"Load {module} now",
                    argv=("modprobe", module),
                    reasons=reasons,
                    reversible=True,
                    inverse=("modprobe", "-r", module),
                    timeout=60,
                )
            )
        plan.checks.append(Check(CheckKind.MODULE_LOADED, module, title=f"{module} is loaded"))
    return persist


def nested_actions(
    answers: Answers, profile: HostProfile, plan: ActionPlan, nested: NestedChange | None
) -> None:
    """Reload the nested module when its parameter must change (``nested``: None leaves it alone); then check
    /dev/kvm where the answers give kvm."""
    if nested is not None:
        _nested_actions(profile, plan, nested)
    if wants_kvm(answers):
        plan.checks.append(Check(CheckKind.KVM_OPENS, "/dev/kvm", title="/dev/kvm opens and creates a VM"))


def _nested_actions(profile: HostProfile, plan: ActionPlan, nested: NestedChange) -> None:
    """The module reads its nested parameter when it loads: reload it (with no guest running) to change it."""
    module = profile.nested_module
    if module is None or nested.overridden_by_cmdline:
        return  # the kernel command line decides: a reload would not change it
    loading = profile.module_loading.possible
    state = profile.nested.get(module)
    active = state.active if state is not None else None
    value = "1" if nested.enabled else "0"
    word = "on" if nested.enabled else "off"
    source = f"answers: nested.enabled = {'true' if nested.enabled else 'false'}"
    if active is (not nested.enabled) or (nested.file_changed and active is None):
        if profile.module_state(module) is ModuleState.BUILTIN:
            plan.notes.append(
                f"{module} is built into this kernel: nested guests need {module}.nested={value} on the "
                "kernel command line and a reboot."
            )
        elif loading is not False and profile.module_state(module) is ModuleState.LOADED:
            reason = Reason(
                "the nested parameter is read only when the module loads; reloading fails while guests run",
                source,
            )
            plan.actions.append(
                Action(
                    id=f"unload-module:{module}",
                    title=f"Unload {module} to reload it with nested={value}",
                    argv=("modprobe", "-r", module),
                    reasons=(reason,),
                    reversible=True,
                    inverse=("modprobe", module),
                    timeout=60,
                )
            )
            plan.actions.append(
                Action(
                    id=f"load-module:{module}",
                    title=f"Load {module} again, now with nested={value}",
                    argv=("modprobe", module),
                    reasons=(reason,),
                    reversible=True,
                    inverse=("modprobe", "-r", module),
                    timeout=60,
                )
            )
    yes = "Y" if module in ("kvm_intel", "kvm_hv") else "1"
    no = "N" if module in ("kvm_intel", "kvm_hv") else "0"
    plan.checks.append(
        Check(
            CheckKind.MODULE_PARAMETER,
            f"{module}.nested",
            yes if nested.enabled else no,
            f"{module} nested is {word}",
        )
    )


def device_actions(answers: Answers, profile: HostProfile, plan: ActionPlan) -> None:
    """Give /dev/kvm the group and mode distributions use, and the QEMU user that group, when QEMU could not
    open it. Only QEMU opens /dev/kvm (nova talks to libvirt); an account that does not exist yet is made by
    its package in group kvm, so only the device may need changing for it."""
    if not wants_kvm(answers) or not profile.kvm_device.exists:
        return
    user = profile.qemu_user
    access = profile.access.get(user)
    if access is None or access.can_open is not False:
        return
    device = profile.kvm_device
    reason = Reason(
        f"{user} (the account QEMU runs as) cannot open /dev/kvm ({device.owner or device.uid}:"
        f"{device.group or device.gid} {device.mode:04o}); distributions use root:kvm 0660 with the QEMU user "
        "in group kvm",
        "host: /dev/kvm permissions",
    )
    if "kvm" not in profile.accounts.groups:
        plan.actions.append(
            Action(
                id="create-group:kvm",
                title="Create the system group kvm",
                argv=("groupadd", "--system", "kvm"),
                reasons=(reason,),
                reversible=True,
                inverse=("groupdel", "kvm"),
            )
        )
    if access.exists and not access.in_kvm_group:
        plan.actions.append(
            Action(
                id=f"add-to-group:{user}:kvm",
                title=f"Add {user} to group kvm",
                argv=("usermod", "--append", "--groups", "kvm", user),
                reasons=(reason,),
                reversible=True,
                inverse=("gpasswd", "--delete", user, "kvm"),
            )
        )
    if device.group == "kvm" and device.mode & 0o060 == 0o060:
        return  # the device is as it should be; the group membership was what was missing
    if profile.udev.running and profile.udev.kvm_group_rule is not None:
        plan.actions.append(
            Action(
                id="udev-trigger:kvm",
                title="Ask udev to apply its rules to /dev/kvm again",
                argv=("udevadm", "trigger", "--action=change", "--sysname-match=kvm"),
                reasons=(reason, Reason("udevd runs and has a rule for kvm", "host: udev")),
                reversible=False,
            )
        )
        return
    old_group = device.group or str(device.gid)
    plan.actions.append(
        Action(
            id="chgrp:/dev/kvm",
            title="Give /dev/kvm the group kvm",
            argv=("chgrp", "kvm", "/dev/kvm"),
            reasons=(reason,),
            reversible=True,
            inverse=("chgrp", old_group, "/dev/kvm"),
        )
    )
    plan.actions.append(
        Action(
            id="chmod:/dev/kvm",
            title="Let group kvm read and write /dev/kvm",
            argv=("chmod", "0660", "/dev/kvm"),
            reasons=(reason,),
            reversible=True,
            inverse=("chmod", f"{device.mode:04o}", "/dev/kvm"),
        )
    )
    if not profile.udev.running:
        plan.notes.append(
            "udevd does not run here, so /dev/kvm was fixed by hand; the device is created again at boot with the "
            "kernel's defaults unless a udev rule or tmpfiles entry sets group kvm and mode 0660."
        )


def install_action(install: PackageInstall) -> Action:
    """A package install as a plan action."""
    return Action(
        id=install.id,
        title=install.title,
        argv=install.argv,
        reasons=(Reason(install.why, install.evidence),),
        # A package install has no inverse the wizard can trust: removing it could take other packages along.
        reversible=False,
        inverse=None,
        live_only=True,
        timeout=900.0,
    )


def package_actions(
    answers: Answers, facts: HostFacts, plan: ActionPlan, firmware: PackageInstall | None = None
) -> None:
    """tpm2-tools, swtpm and the guests' UEFI firmware (``firmware``: wizard.tpm.guests' install, for guests
    that require Secure Boot), each where the answers need it and it is missing."""
    wanted = (
        tools_install(facts) if answers.tpm.install_tools and answers.is_given("tpm.install_tools") else None,
        swtpm_install(facts) if answers.tpm.vtpm and answers.is_given("tpm.vtpm") else None,
        firmware if answers.tpm.secure_boot and answers.is_given("tpm.secure_boot") else None,
    )
    plan.actions.extend(install_action(install) for install in wanted if install is not None)


def restart_actions(
    profile: HostProfile, plan: ActionPlan, *, nova_changed: bool, glance_changed: bool
) -> None:
    """Services read their configuration at start: restart the ones whose file changed, when installed."""
    rhel = profile.distribution.family is DistroFamily.RHEL
    units = []
    nova, glance = profile.nova_chain, profile.glance_chain
    if nova_changed and (nova.unit or profile.executables.get("nova-compute")):
        unit = nova.unit.removesuffix(".service") or ("openstack-nova-compute" if rhel else "nova-compute")
        units.append((unit, "nova.conf"))
    if glance_changed and (glance.unit or profile.executables.get("glance-api")):
        unit = glance.unit.removesuffix(".service") or ("openstack-glance-api" if rhel else "glance-api")
        units.append((unit, "glance-api.conf"))
    for unit, file in units:
        plan.actions.append(
            Action(
                id=f"restart:{unit}",
                title=f"Restart {unit}",
                argv=("systemctl", "restart", unit),
                reasons=(restart_reason(unit, file),),
                reversible=True,
                inverse=("systemctl", "restart", unit),
            )
        )
    if nova_changed and not units:
        plan.notes.append("Restart nova-compute once it is installed, so that it reads the new nova.conf.")
