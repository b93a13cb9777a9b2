"""Checks of the kernel modules: can modules load at all, are the KVM modules there, do they load at boot."""

from __future__ import annotations

import dataclasses

from wizard.diagnosis.checks.common import Assessment, Impact, assess
from wizard.diagnosis.checks.context import Context, VtState
from wizard.diagnosis.findings import Evidence, Remedy, Status
from wizard.host.kernel import MODULE_CONFIG, ModuleState
from wizard.host.platform import ArchFamily
from wizard.host.profile import HostProfile
from wizard.host.system import DistroFamily


def check_module_loading(ctx: Context) -> list[Assessment]:
    loading = ctx.profile.module_loading
    evidence = [Evidence("kernel", item) for item in loading.evidence]
    if loading.possible is None:
        return [
            assess(
                "module-loading", Status.UNKNOWN, "Cannot tell whether this kernel loads modules", evidence
            )
        ]
    if loading.possible:
        return [assess("module-loading", Status.PASS, "This kernel can load modules", evidence)]
    return [
        assess(
            "module-loading",
            Status.INFO,
            "This kernel cannot load modules: what KVM needs must be built in",
            evidence,
            detail="kvm-wizard never suggests modprobe here; a missing module means another kernel.",
        )
    ]


def persist_remedy(profile: HostProfile, modules: tuple[str, ...]) -> Remedy:
    target = profile.distribution.modules_file
    return Remedy(
        summary=f"List {', '.join(modules)} in {target} so that they load at every boot",
        settings=tuple(f"{name} in {target}" for name in modules),
        why=(
            f"{profile.distribution.name or 'This distribution'} loads the modules listed in {target} at boot "
            "(the seed document's /etc/modules step)."
        ),
        plan_fix="persist-kvm-modules",
    )


def load_remedy(profile: HostProfile, modules: tuple[str, ...]) -> Remedy:
    blacklisted = {
        name: profile.module_config.blacklisted[name]
        for name in modules
        if name in profile.module_config.blacklisted
    }
    commands = tuple(f"modprobe {name}" for name in modules)
    why = "Loading creates /dev/kvm; listing them in the module file makes it survive reboots."
    if blacklisted:
        files = ", ".join(f"{name} in {path}" for name, path in blacklisted.items())
        why += f" They are blacklisted ({files}): remove those lines first, or modprobe at boot still skips them."
    return Remedy(
        summary=f"Load {' and '.join(modules)} now, and at every boot",
        commands=commands,
        settings=tuple(f"{name} in {profile.distribution.modules_file}" for name in modules),
        why=why,
        plan_fix="load-kvm-modules",
    )


def _after_firmware(remedy: Remedy) -> Remedy:
    """The load remedy for later: modprobe fails ("disabled by bios") until the firmware setting is changed,
    so it is not offered as a fix to apply now."""
    return dataclasses.replace(
        remedy,
        summary="After enabling virtualization in the firmware setup and rebooting: "
        + remedy.summary[0].lower()
        + remedy.summary[1:],
        plan_fix=None,
    )


def _kernel_remedy(missing: tuple[str, ...], profile: HostProfile) -> Remedy:
    options = tuple(MODULE_CONFIG.get(name, name) for name in missing)
    if profile.platform.family is ArchFamily.POWER:
        options = tuple("CONFIG_KVM_BOOK3S_64" if option == "CONFIG_KVM" else option for option in options)
    configured = {option: profile.kernel_config.get(option) for option in options}
    if profile.kernel_config_source is None:
        why = f"This kernel has them neither built in nor loaded (its configuration was not read: {', '.join(options)})"
    elif any(value == "n" for value in configured.values()):
        unset = ", ".join(option for option, value in configured.items() if value == "n")
        why = f"This kernel was built without them ({unset} not set in {profile.kernel_config_source})"
    else:
        shown = ", ".join(f"{option}={value or '?'}" for option, value in configured.items())
        why = f"This kernel has them only as loadable modules ({shown} in {profile.kernel_config_source})"
    why += ", and it cannot load modules." if profile.module_loading.possible is False else "."
    return Remedy(
        summary=f"Boot a kernel that has {', '.join(missing)} (the distribution's standard kernel does)",
        settings=tuple(
            f"{option}=y in the kernel configuration"
            if profile.module_loading.possible is False
            else f"{option}=m (or =y) in the kernel configuration"
            for option in options
        ),
        why=why,
    )


def check_kvm_modules(ctx: Context) -> list[Assessment]:
    profile = ctx.profile
    family = profile.platform.family
    if family not in {ArchFamily.X86, ArchFamily.POWER, ArchFamily.ARM, ArchFamily.S390}:
        return []
    vendor = profile.vendor_modules[0] if profile.vendor_modules else None
    wanted = ("kvm", vendor) if vendor else ("kvm",)
    evidence = [
        Evidence(
            "modules", f"{name}: {profile.modules[name].state}; " + "; ".join(profile.modules[name].evidence)
        )
        for name in dict.fromkeys((*wanted, *profile.vendor_modules))
        if profile.modules[name].state is not ModuleState.UNKNOWN or name in wanted
    ]
    present = [name for name in wanted if profile.modules[name].present]
    if profile.pvm_active and ctx.kvm_works is not False:
        return [
            assess(
                "kvm-modules",
                Status.WARN,
                "KVM comes from PVM (kvm_pvm), not from hardware virtualization",
                evidence,
                detail=(
                    "PVM runs KVM guests inside a virtual machine without VT-x/AMD-V, by shadow paging. Guests "
                    "must run a kernel built for PVM (CONFIG_PVM_GUEST): ordinary cloud images and Windows do not "
                    "boot, and performance differs from hardware KVM."
                ),
                impact=Impact.RESTRICTION,
                reason="KVM here comes from PVM (kvm_pvm): only guests with a PVM-enabled kernel boot",
            )
        ]
    if len(present) == len(wanted):
        states = {profile.modules[name].state for name in wanted}
        how = "built into the kernel" if states == {ModuleState.BUILTIN} else "in place"
        if family is ArchFamily.POWER and vendor == "kvm_hv" and not profile.modules["kvm_hv"].present:
            how = "in place"
        return [assess("kvm-modules", Status.PASS, f"{' and '.join(wanted)}: {how}", evidence)]
    if family is ArchFamily.POWER and profile.modules["kvm_pr"].present and profile.modules["kvm"].present:
        return [
            assess(
                "kvm-modules",
                Status.WARN,
                "Only kvm_pr is loaded: PR KVM, slower than kvm_hv",
                evidence,
                impact=Impact.RESTRICTION if ctx.kvm_works else None,
                reason="only kvm_pr (PR KVM) provides KVM",
            )
        ]
    missing = tuple(name for name in wanted if not profile.modules[name].present)
    if ctx.vt in {VtState.FIRMWARE_DISABLED, VtState.ABSENT, VtState.NOT_SHOWN} and not ctx.kvm_works:
        cause = {
            VtState.FIRMWARE_DISABLED: "switched off in the firmware",
            VtState.ABSENT: "not available here",
            VtState.NOT_SHOWN: "not shown by the CPU",
        }[ctx.vt]
        pronoun = "it" if len(missing) == 1 else "they"
        return [
            assess(
                "kvm-modules",
                Status.FAIL,
                f"{' and '.join(missing)}: {pronoun} cannot load while {ctx.vt_name} is {cause}",
                evidence,
                remedy=_after_firmware(load_remedy(profile, missing))
                if ctx.vt is VtState.FIRMWARE_DISABLED
                else None,
            )
        ]
    if ctx.kvm_works:
        return [
            assess("kvm-modules", Status.INFO, f"{', '.join(missing)} not loaded, yet KVM works", evidence)
        ]
    unknown = tuple(name for name in missing if profile.modules[name].state is ModuleState.UNKNOWN)
    if unknown:
        return [
            assess(
                "kvm-modules",
                Status.UNKNOWN,
                f"Whether {' and '.join(unknown)} {'is' if len(unknown) == 1 else 'are'} loaded is not known",
                evidence,
                detail="Neither /proc/modules nor /sys/module of a running kernel was seen.",
                impact=Impact.UNKNOWN,
                reason=f"whether {', '.join(unknown)} {'is' if len(unknown) == 1 else 'are'} loaded",
            )
        ]
    unavailable = tuple(name for name in missing if profile.modules[name].in_kernel is False)
    if unavailable or profile.module_loading.possible is False:
        return [
            assess(
                "kvm-modules",
                Status.FAIL,
                f"This kernel has no {', '.join(missing)}"
                + (" and cannot load modules" if profile.module_loading.possible is False else ""),
                evidence,
                remedy=_kernel_remedy(missing, profile),
                impact=Impact.FIXABLE,
                reason=f"this kernel lacks {', '.join(missing)}",
            )
        ]
    return [
        assess(
            "kvm-modules",
            Status.FAIL,
            f"{' and '.join(missing)} {'is' if len(missing) == 1 else 'are'} not loaded",
            evidence,
            remedy=load_remedy(profile, wanted),
            impact=Impact.FIXABLE,
            reason=f"the KVM module{'s' if len(missing) > 1 else ''} {', '.join(missing)} {'is' if len(missing) == 1 else 'are'} not loaded",
        )
    ]


def check_module_persistence(ctx: Context) -> list[Assessment]:
    profile = ctx.profile
    if profile.module_loading.possible is False or profile.pvm_active:
        return []
    if not ctx.kvm_works and ctx.vt is not VtState.PRESENT:
        return []  # nothing to load at boot until hardware virtualization is known to be there
    vendor = profile.vendor_modules[0] if profile.vendor_modules else None
    # Loading the vendor module loads kvm with it (a dependency): the vendor module is what must be
    # listed. The remedy lists both, as the seed document does.
    wanted = tuple(
        name
        for name in ((vendor,) if vendor else ("kvm",))
        if profile.modules[name].state is not ModuleState.BUILTIN
        and profile.modules[name].in_kernel is not False
    )
    if not wanted:
        return []
    persisted = profile.module_config.persisted
    listed = [name for name in wanted if name in persisted]
    if not listed and profile.distribution.family is DistroFamily.UNKNOWN:
        # No os-release: not a system's /etc (a dump, an empty tree), so its module files say nothing either.
        return [
            assess(
                "module-persistence",
                Status.UNKNOWN,
                f"Whether {', '.join(wanted)} load at boot is not known: the distribution's files were not seen",
                [Evidence("/etc/os-release", profile.distribution.os_release_error or "not recorded")],
            )
        ]
    evidence = [Evidence(persisted[name], f"lists {name}") for name in listed]
    target = profile.distribution.modules_file
    if len(listed) == len(wanted):
        return [assess("module-persistence", Status.PASS, f"{', '.join(wanted)} load at boot", evidence)]
    missing = tuple(
        name
        for name in dict.fromkeys(("kvm", *wanted))
        if name not in persisted and profile.modules[name].state is not ModuleState.BUILTIN
    )
    evidence.append(Evidence("module files", f"{', '.join(missing)} in none of /etc/modules, modules-load.d"))
    loaded = all(profile.modules[name].state is ModuleState.LOADED for name in wanted)
    if loaded:
        return [
            assess(
                "module-persistence",
                Status.INFO,
                f"{', '.join(missing)} not listed in {target}",
                evidence,
                detail="Loaded now, probably by udev from the CPU's features; listing them makes the boot explicit.",
                remedy=persist_remedy(profile, missing),
            )
        ]
    return [
        assess(
            "module-persistence",
            Status.WARN,
            f"{', '.join(missing)} {'is' if len(missing) == 1 else 'are'} not set to load at boot",
            evidence,
            remedy=persist_remedy(profile, missing),
        )
    ]
