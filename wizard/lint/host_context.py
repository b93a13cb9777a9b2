"""The host as the option rules see it (wizard.rules.HostContext), built from a HostProfile.

Shared by the config lint of diagnosis and by the planner, which checks the files it would leave.
"""

from __future__ import annotations

from wizard.host.platform import Vendor
from wizard.host.profile import HostProfile
from wizard.rules import CpuVendor, HostContext

_VENDORS: dict[Vendor, CpuVendor] = {Vendor.INTEL: "intel", Vendor.AMD: "amd"}


def rule_context(
    profile: HostProfile, *, glance_api_node: bool, nested_planned: bool = False, swtpm_planned: bool = False
) -> HostContext:
    """``nested_planned``: the plan itself turns the nested parameter on, so its current value says nothing
    about the result; ``swtpm_planned``: the plan installs swtpm (whose packages also create the tss account).
    Unknown facts stay None, and the rules that need them are skipped."""
    nested_module = profile.nested_module
    nested = profile.nested.get(nested_module) if nested_module else None
    vendor = profile.platform.vendor
    return HostContext(
        cpu_vendor=None if vendor is Vendor.UNKNOWN else _VENDORS.get(vendor, "other"),
        swtpm_installed=True if swtpm_planned else profile.swtpm is not None,
        swtpm_setup_installed=True if swtpm_planned else profile.swtpm_setup is not None,
        users=frozenset(profile.accounts.users) if profile.accounts.readable and not swtpm_planned else None,
        groups=frozenset(profile.accounts.groups)
        if profile.accounts.readable and not swtpm_planned
        else None,
        glance_api_node=glance_api_node,
        kvm_nested=None if nested_planned or nested is None else nested.active,
    )
