"""The nova.conf and glance-api.conf settings the answers call for, each with the reasons it is there."""

from __future__ import annotations

from wizard.answers import Answers
from wizard.host.platform import ArchFamily
from wizard.host.profile import HostProfile
from wizard.option_types import FileKind, Value
from wizard.plan.desired import Desired, swtpm_account_setting
from wizard.plan.model import Reason

COMPUTE_DRIVER = "libvirt.LibvirtDriver"


def answer_source(path: str, answers: Answers) -> str:
    """ "answers: storage.backend = lvm", in the answers file's own spelling of the value."""
    value = answers.value(path)
    if isinstance(value, bool):
        shown = "true" if value else "false"
    elif isinstance(value, tuple):
        shown = "[" + ", ".join(f'"{item}"' for item in value) + "]"
    else:
        shown = str(value)
    return f"answers: {path} = {shown}"


def vendor_flag(profile: HostProfile) -> str | None:
    """The CPU flag guests need for nested virtualization on this vendor's CPUs."""
    platform = profile.platform
    return platform.vt_flag if platform.family is ArchFamily.X86 else None


def swtpm_accounts(profile: HostProfile) -> tuple[str, str]:
    """The user and group libvirt runs swtpm as on this host (qemu.conf's swtpm_user and swtpm_group, or tss)."""
    return profile.stack.swtpm_user, profile.stack.swtpm_group


def extra_flags(answers: Answers, flag: str | None) -> tuple[tuple[str, ...], tuple[Reason, ...]]:
    """cpu_model_extra_flags: the operator's flags plus the vendor's ``flag`` (vendor_flag()) when nested guests
    need it. A flag the operator names in either sign (`-vmx` too) is theirs: it is never added a second time,
    and a `-vmx` with nested guests is a problem the rules name (wizard.rules, nested-needs-cpu-flag)."""
    flags = [flag.lower() for flag in answers.nested.extra_flags]
    reasons = (
        [Reason("extra CPU flags the operator asked for", answer_source("nested.extra_flags", answers))]
        if flags
        else []
    )
    needs_flag = answers.nested.enabled and answers.nested.cpu_mode in ("host-model", "custom")
    if needs_flag and flag is not None and not any(item.lstrip("+-") == flag for item in flags):
        flags.append(flag)
        vendor = "Intel" if flag == "vmx" else "AMD"
        reasons.append(
            Reason(
                f"nested guests need the {flag} flag in {answers.nested.cpu_mode} mode on {vendor} CPUs",
                f"answers: nested.enabled = true; host: CPU vendor {vendor}",
            )
        )
    return tuple(flags), tuple(reasons)


def nova_settings(
    answers: Answers, flag: str | None, swtpm_accounts: tuple[str, str] | None = None
) -> list[Desired]:
    """Everything the answers decide in nova.conf. Options the answers do not govern are left alone.

    What it needs of the host: its vendor's virtualization flag (vendor_flag()), which the Ansible export asks
    for each possible flag to let every node pick its own; and ``swtpm_accounts``, the user and group libvirt
    runs swtpm as here, which nova's swtpm_user and swtpm_group mirror unless the answers name them (None: not
    known, so only named ones are written).
    """
    nova: FileKind = "nova.conf"
    out: list[Desired] = []

    def want(
        section: str, key: str, value: Value | None, *reasons: Reason, also_unset: tuple[str, ...] = ()
    ) -> None:
        out.append(Desired(nova, section, key, value, reasons, also_unset))

    want(
        "DEFAULT",
        "compute_driver",
        COMPUTE_DRIVER,
        Reason("nova-compute exits at start when no compute driver is set", "guide: Configuration"),
    )
    virt_type = answers.hypervisor.virt_type
    virt_reason = (
        Reason(
            "guests use the CPU's virtualization extensions through KVM",
            answer_source("hypervisor.virt_type", answers),
        )
        if virt_type == "kvm"
        else Reason(
            "software emulation (TCG), chosen with explicit consent; guests run much slower",
            "answers: hypervisor.virt_type = qemu, hypervisor.allow_emulation = true",
        )
    )
    want("libvirt", "virt_type", virt_type, virt_reason)

    storage = answers.storage
    backend_reason = Reason(_BACKEND_TEXT[storage.backend], answer_source("storage.backend", answers))
    want("libvirt", "images_type", storage.backend, backend_reason)
    if storage.backend == "lvm":
        want(
            "libvirt",
            "images_volume_group",
            storage.volume_group,
            Reason(
                "instance disks are created as logical volumes in this volume group",
                answer_source("storage.volume_group", answers),
            ),
        )
    if storage.backend == "rbd":
        for key, path, text in (
            ("images_rbd_pool", "storage.rbd_pool", "the Ceph pool that holds instance disks"),
            ("images_rbd_ceph_conf", "storage.ceph_conf", "where libvirt finds the Ceph cluster"),
            ("rbd_user", "storage.rbd_user", "the Ceph client libvirt connects as"),
            ("rbd_secret_uuid", "storage.rbd_secret_uuid", "the libvirt secret holding that client's key"),
        ):
            want("libvirt", key, str(answers.value(path)), Reason(text, answer_source(path, answers)))
        want(
            "DEFAULT",
            "force_raw_images",
            True,
            Reason(
                "with rbd, images must be raw so Ceph can clone them; nova-compute refuses to start otherwise",
                "rule: images_type = rbd needs force_raw_images = True",
            ),
        )

    nested = answers.nested
    mode_reason = Reason(_MODE_TEXT[nested.cpu_mode], answer_source("nested.cpu_mode", answers))
    want("libvirt", "cpu_mode", nested.cpu_mode, mode_reason)
    if nested.cpu_mode == "custom":
        want(
            "libvirt",
            "cpu_models",
            tuple(nested.cpu_models),
            Reason("the named CPU models guests see", answer_source("nested.cpu_models", answers)),
            also_unset=("cpu_model",),
        )
    else:
        want(
            "libvirt",
            "cpu_models",
            None,
            Reason(
                "CPU models may be set only with cpu_mode = custom; nova-compute refuses to start otherwise",
                f"rule: cpu_models exactly when custom; {answer_source('nested.cpu_mode', answers)}",
            ),
            also_unset=("cpu_model",),
        )
    flags, flag_reasons = extra_flags(answers, flag)
    if flags:
        want("libvirt", "cpu_model_extra_flags", flags, *flag_reasons)

    download = answers.ceph_download
    if download.enabled and storage.backend != "rbd":
        source = answer_source("ceph_download.enabled", answers)
        want(
            "glance",
            "enable_rbd_download",
            True,
            Reason(
                "images are fetched with rbd export straight from Ceph instead of through the Glance API",
                source,
            ),
        )
        for key, path, text in (
            ("rbd_user", "ceph_download.rbd_user", "the Ceph client that reads Glance's images"),
            ("rbd_pool", "ceph_download.rbd_pool", "the pool Glance stores images in"),
            ("rbd_ceph_conf", "ceph_download.ceph_conf", "where the Ceph cluster is described"),
            ("rbd_connect_timeout", "ceph_download.connect_timeout", "how long to wait for Ceph"),
        ):
            want("glance", key, answers.value(path), Reason(text, answer_source(path, answers)))

    if answers.tpm.vtpm:
        want(
            "libvirt",
            "swtpm_enabled",
            True,
            Reason("instances may ask for an emulated TPM 2.0 (swtpm)", answer_source("tpm.vtpm", answers)),
        )
        for index, kind in enumerate(("user", "group")):
            named = str(answers.value(f"tpm.swtpm_{kind}"))
            account = named or (swtpm_accounts[index] if swtpm_accounts is not None else "")
            if account:
                source = answer_source(f"tpm.swtpm_{kind}", answers) if named else ""
                out.append(swtpm_account_setting(kind, account, source))
    return out


def glance_settings(answers: Answers) -> list[Desired]:
    download = answers.ceph_download
    if not (download.enabled and download.glance_api_node and answers.storage.backend != "rbd"):
        return []
    return [
        Desired(
            "glance-api.conf",
            "DEFAULT",
            "show_image_direct_url",
            True,
            (
                Reason(
                    "nova's direct download needs image locations; they become visible to API users",
                    "answers: ceph_download.enabled = true, ceph_download.glance_api_node = true",
                ),
            ),
        )
    ]


_BACKEND_TEXT = {
    "qcow2": "instance disks are copy-on-write qcow2 files over a shared base image",
    "flat": "instance disks are plain raw files with their full size reserved",
    "lvm": "instance disks are LVM logical volumes",
    "rbd": "instance disks are Ceph RBD images",
}
_MODE_TEXT = {
    "host-passthrough": "guests see this host's exact CPU (nested works; live migration only to identical CPUs)",
    "host-model": "guests see the closest named model plus this CPU's features",
    "custom": "guests see the named CPU models",
}


__all__ = ["Desired", "extra_flags", "glance_settings", "nova_settings", "swtpm_accounts", "vendor_flag"]
