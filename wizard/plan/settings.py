"""The nova.conf and glance-api.conf settings the answers call for, each with the reasons it is there."""

from __future__ import annotations

from collections.abc import Callable

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
    where = "answers" if answers.is_given(path) else "this node"
    return f"{where}: {path} = {shown}"


def vendor_flag(profile: HostProfile) -> str | None:
    """The CPU flag guests need for nested virtualization on this vendor's CPUs."""
    platform = profile.platform
    return platform.vt_flag if platform.family is ArchFamily.X86 else None


def swtpm_accounts(profile: HostProfile) -> tuple[str, str]:
    """The user and group libvirt runs swtpm as on this host (qemu.conf's swtpm_user and swtpm_group, or tss)."""
    return profile.stack.swtpm_user, profile.stack.swtpm_group


def _is_vendor_flag(item: str, flag: str | None) -> bool:
    return flag is not None and item.lower().lstrip("+") == flag


def extra_flags(answers: Answers, flag: str | None) -> tuple[tuple[str, ...], tuple[Reason, ...]]:
    """cpu_model_extra_flags: the flags of the answers (the node's own, when the answers leave them out), and the
    vendor's ``flag`` (vendor_flag()) as the nested choice wants it. Only a given nested.enabled adds or removes
    the vendor's flag (on: added where host-model or custom needs it; off: removed, guests asking for it would not
    start); otherwise it stays as the flags have it. A flag named with a minus (`-vmx`) is the operator's own: the
    vendor's is never added beside it (with nested guests that is a problem the rules name: wizard.rules,
    nested-needs-cpu-flag)."""
    nested = answers.nested
    own_given = answers.is_given("nested.extra_flags")
    reasons: list[Reason] = []
    if not answers.is_given("nested.enabled"):
        flags = tuple(item.lower() for item in nested.extra_flags)
        if flags:
            text = (
                "extra CPU flags the operator asked for"
                if own_given
                else "the node's own extra CPU flags, kept"
            )
            reasons.append(Reason(text, answer_source("nested.extra_flags", answers)))
        return flags, tuple(reasons)
    needs_flag = nested.enabled and nested.cpu_mode in ("host-model", "custom")
    own = [item.lower() for item in nested.extra_flags if not _is_vendor_flag(item, flag)]
    kept_vendor = [item for item in nested.extra_flags if _is_vendor_flag(item, flag)]
    if own:
        text = (
            "extra CPU flags the operator asked for" if own_given else "the node's own extra CPU flags, kept"
        )
        reasons.append(Reason(text, answer_source("nested.extra_flags", answers)))
    vendor = "Intel" if flag == "vmx" else "AMD"
    refused = flag is not None and any(item.lstrip("+-") == flag for item in own)
    if refused and kept_vendor:
        # The flag both added and removed: left as the flags have it, for the rules to name (flag-twice).
        return tuple(item.lower() for item in nested.extra_flags), tuple(reasons)
    if flag is not None and needs_flag and not refused:
        own.append(flag)
        reasons.append(
            Reason(
                f"nested guests need the {flag} flag in {nested.cpu_mode} mode on {vendor} CPUs",
                f"{answer_source('nested.enabled', answers)}; host: CPU vendor {vendor}",
            )
        )
    elif kept_vendor and nested.enabled:
        own.append(kept_vendor[-1].lower())  # host-passthrough shows it anyway: kept as it was asked
    elif kept_vendor:
        reasons.append(
            Reason(
                f"{flag} goes with nested guests, which are off: guests asking for it would not start",
                answer_source("nested.enabled", answers),
            )
        )
    return tuple(own), tuple(reasons)


def nova_settings(
    answers: Answers, flag: str | None, swtpm_accounts: tuple[str, str] | None = None
) -> list[Desired]:
    """What the answers decide in nova.conf: the options of the keys they give, and what rules require because
    of them. ``answers`` are resolved (Answers.resolved): a key not given holds the node's value, which a rule
    may need (the volume group of an lvm backend, the node's own CPU flags beside the vendor's). A key that is
    false turns its feature off. Options the answers do not govern are left alone.

    What it needs of the host: its vendor's virtualization flag (vendor_flag()), which the Ansible export asks
    for each possible flag to let every node pick its own; and ``swtpm_accounts``, the user and group libvirt
    runs swtpm as here, which nova's swtpm_user and swtpm_group mirror unless the answers name them (None: not
    known, so only named ones are written).
    """
    nova: FileKind = "nova.conf"
    out: list[Desired] = []
    given = answers.given

    def want(
        section: str,
        key: str,
        value: Value | None,
        *reasons: Reason,
        keys: tuple[str, ...],
        also_unset: tuple[str, ...] = (),
    ) -> None:
        out.append(Desired(nova, section, key, value, reasons, also_unset, keys))

    if "hypervisor.virt_type" in given:
        want(
            "DEFAULT",
            "compute_driver",
            COMPUTE_DRIVER,
            Reason("nova-compute exits at start when no compute driver is set", "guide: Configuration"),
            keys=("hypervisor.virt_type",),
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
        want("libvirt", "virt_type", virt_type, virt_reason, keys=("hypervisor.virt_type",))

    _storage(answers, want)
    _nested(answers, flag, want)
    _ceph_download(answers, want)

    if "tpm.vtpm" in given:
        vtpm = answers.tpm.vtpm
        want(
            "libvirt",
            "swtpm_enabled",
            vtpm,
            Reason(
                "instances may ask for an emulated TPM 2.0 (swtpm)"
                if vtpm
                else "instances get no emulated TPM (swtpm) here",
                answer_source("tpm.vtpm", answers),
            ),
            keys=("tpm.vtpm",),
        )
    _swtpm_accounts(answers, swtpm_accounts, want)
    return out


def _swtpm_accounts(answers: Answers, accounts: tuple[str, str] | None, want: Callable[..., None]) -> None:
    """nova's swtpm_user and swtpm_group with a vTPM: the accounts the answers name, else libvirt's own (the
    answers' vtpm or the account given; a node's value is kept as it is)."""
    if not answers.tpm.vtpm:
        return
    for index, kind in enumerate(("user", "group")):
        path = f"tpm.swtpm_{kind}"
        if not answers.given & {"tpm.vtpm", path}:
            continue
        named = str(answers.value(path))
        account = named or (accounts[index] if accounts is not None else "")
        if not account:
            continue
        setting = swtpm_account_setting(
            kind,
            account,
            source=answer_source(path, answers) if named else "",
            keys=("tpm.vtpm", path) if named else ("tpm.vtpm",),
        )
        want(
            "libvirt",
            setting.key,
            account,
            *setting.reasons,
            keys=setting.keys,
        )


def _storage(answers: Answers, want: Callable[..., None]) -> None:
    storage = answers.storage
    given = answers.given
    backend_given = "storage.backend" in given
    if backend_given:
        backend_reason = Reason(_BACKEND_TEXT[storage.backend], answer_source("storage.backend", answers))
        want("libvirt", "images_type", storage.backend, backend_reason, keys=("storage.backend",))
    if storage.backend == "lvm" and (backend_given or "storage.volume_group" in given):
        want(
            "libvirt",
            "images_volume_group",
            storage.volume_group,
            Reason(
                "instance disks are created as logical volumes in this volume group",
                answer_source("storage.volume_group", answers),
            ),
            keys=("storage.backend", "storage.volume_group"),
        )
    if storage.backend == "rbd":
        for key, path, text in (
            ("images_rbd_pool", "storage.rbd_pool", "the Ceph pool that holds instance disks"),
            ("images_rbd_ceph_conf", "storage.ceph_conf", "where libvirt finds the Ceph cluster"),
            ("rbd_user", "storage.rbd_user", "the Ceph client libvirt connects as"),
            ("rbd_secret_uuid", "storage.rbd_secret_uuid", "the libvirt secret holding that client's key"),
        ):
            if backend_given or path in given:
                want(
                    "libvirt",
                    key,
                    str(answers.value(path)),
                    Reason(text, answer_source(path, answers)),
                    keys=("storage.backend", path),
                )
        if backend_given:
            want(
                "DEFAULT",
                "force_raw_images",
                True,
                Reason(
                    "with rbd, images must be raw so Ceph can clone them; nova-compute refuses to start otherwise",
                    "rule: images_type = rbd needs force_raw_images = True",
                ),
                keys=("storage.backend",),
            )


def _nested(answers: Answers, flag: str | None, want: Callable[..., None]) -> None:
    nested = answers.nested
    given = answers.given
    if "nested.cpu_mode" in given:
        mode_reason = Reason(_MODE_TEXT[nested.cpu_mode], answer_source("nested.cpu_mode", answers))
        want("libvirt", "cpu_mode", nested.cpu_mode, mode_reason, keys=("nested.cpu_mode",))
    if "nested.cpu_mode" in given or "nested.cpu_models" in given:
        keys: tuple[str, ...] = ("nested.cpu_mode", "nested.cpu_models")
        if nested.cpu_mode == "custom":
            want(
                "libvirt",
                "cpu_models",
                tuple(nested.cpu_models),
                Reason("the named CPU models guests see", answer_source("nested.cpu_models", answers)),
                keys=keys,
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
                keys=("nested.cpu_mode",),
                also_unset=("cpu_model",),
            )
    if given & {"nested.enabled", "nested.cpu_mode", "nested.extra_flags"}:
        flags, flag_reasons = extra_flags(answers, flag)
        # Without a given nested choice the flags are only the flags (the vendor's is left as it is).
        flag_keys = (
            ("nested.enabled", "nested.cpu_mode", "nested.extra_flags")
            if "nested.enabled" in given
            else ("nested.extra_flags",)
        )
        if flags:
            want("libvirt", "cpu_model_extra_flags", flags, *flag_reasons, keys=flag_keys)
        else:
            want(
                "libvirt",
                "cpu_model_extra_flags",
                None,
                *flag_reasons,
                Reason("no extra CPU flags are wanted", answer_source("nested.extra_flags", answers)),
                keys=flag_keys,
            )


def _ceph_download(answers: Answers, want: Callable[..., None]) -> None:
    download = answers.ceph_download
    given = answers.given
    if answers.storage.backend == "rbd" and not (given & {"ceph_download.enabled"}):
        return
    enabled_given = "ceph_download.enabled" in given
    if enabled_given:
        source = answer_source("ceph_download.enabled", answers)
        want(
            "glance",
            "enable_rbd_download",
            download.enabled and answers.storage.backend != "rbd",
            Reason(
                "images are fetched with rbd export straight from Ceph instead of through the Glance API"
                if download.enabled
                else "images come through the Glance API, not straight from Ceph",
                source,
            ),
            keys=("ceph_download.enabled",),
        )
    if not download.enabled or answers.storage.backend == "rbd":
        return
    for key, path, text in (
        ("rbd_user", "ceph_download.rbd_user", "the Ceph client that reads Glance's images"),
        ("rbd_pool", "ceph_download.rbd_pool", "the pool Glance stores images in"),
        ("rbd_ceph_conf", "ceph_download.ceph_conf", "where the Ceph cluster is described"),
        ("rbd_connect_timeout", "ceph_download.connect_timeout", "how long to wait for Ceph"),
    ):
        if enabled_given or path in given:
            want(
                "glance",
                key,
                answers.value(path),
                Reason(text, answer_source(path, answers)),
                keys=("ceph_download.enabled", path),
            )


def glance_settings(answers: Answers) -> list[Desired]:
    download = answers.ceph_download
    if not (answers.given & {"ceph_download.enabled", "ceph_download.glance_api_node"}):
        return []
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
            keys=("ceph_download.enabled", "ceph_download.glance_api_node"),
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
