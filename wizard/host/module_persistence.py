"""Where a distribution's boot loads modules from, and the file a module to load at boot is added to.

Decided from the distribution's family and whether /etc/modules exists: from the probe's facts, and on each node
by the Ansible export's module (which carries this file), so that both add a module to the same file."""

from __future__ import annotations

from enum import StrEnum

ETC_MODULES = "/etc/modules"
MODULES_LOAD_FILE = "/etc/modules-load.d/kvm.conf"


class ModulePersistence(StrEnum):
    """Where the distribution's boot loads modules from."""

    ETC_MODULES = "/etc/modules"  # Debian and Ubuntu (systemd-modules-load reads it through a link)
    MODULES_LOAD_D = "/etc/modules-load.d"  # every systemd distribution


def persistence_of(*, debian_family: bool, has_etc_modules: bool) -> ModulePersistence:
    """Debian's /etc/modules exists and is read at boot; elsewhere modules-load.d is the way."""
    if debian_family or has_etc_modules:
        return ModulePersistence.ETC_MODULES
    return ModulePersistence.MODULES_LOAD_D


def modules_file(persistence: ModulePersistence) -> str:
    """The file a module to load at boot is added to."""
    return ETC_MODULES if persistence is ModulePersistence.ETC_MODULES else MODULES_LOAD_FILE
