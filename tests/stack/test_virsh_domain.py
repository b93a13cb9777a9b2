"""The smoke guest's domain as nova writes an instance's (its CPU, firmware and TPM), and the answers read back."""

from __future__ import annotations

from xml.etree import ElementTree

from wizard.virsh_domain import (
    GuestCpu,
    SmokeGuest,
    domain_xml,
    listed_names,
    parse_live_firmware,
    smoke_name,
    smoke_prefix,
)
from wizard.virsh_domcaps import parse_domain_capabilities


def test_the_domain_nova_would_define() -> None:
    guest = SmokeGuest(
        name=smoke_name("/", 4),
        virt_type="qemu",
        arch="x86_64",
        cpu=GuestCpu("custom", ("IvyBridge", "Haswell"), ("PCID", "-arch-capabilities", "pcid", "+vmx")),
        secure_boot=True,
        tpm_model="tpm-crb",
        machine="q35",
        description="a <test> & more",
    )
    root = ElementTree.fromstring(domain_xml(guest))  # noqa: S314 - our own text
    assert root.get("type") == "qemu"
    assert root.findtext("name", "").startswith(smoke_prefix("/") + "g4-")
    assert root.findtext("description") == "a <test> & more"
    os = root.find("os")
    assert os is not None
    assert os.get("firmware") == "efi"
    assert [(item.get("name"), item.get("enabled")) for item in os.findall("firmware/feature")] == [
        ("secure-boot", "yes")
    ]
    assert os.find("loader") is not None
    assert os.find("loader").get("secure") == "yes"  # type: ignore[union-attr]
    assert os.find("type").get("machine") == "q35"  # type: ignore[union-attr]
    cpu = root.find("cpu")
    assert cpu is not None
    assert (cpu.get("mode"), cpu.get("match")) == ("custom", "exact")
    assert cpu.findtext("model") == "IvyBridge"  # nova's first model
    assert [(item.get("name"), item.get("policy")) for item in cpu.findall("feature")] == [
        ("pcid", "require"),
        ("arch-capabilities", "disable"),
        ("vmx", "require"),
    ]
    tpm = root.find("devices/tpm")
    assert tpm is not None
    assert tpm.get("model") == "tpm-crb"
    assert tpm.find("backend").get("version") == "2.0"  # type: ignore[union-attr]
    assert root.find("devices/disk") is None  # diskless


def test_without_secure_boot_or_tpm_nothing_of_them() -> None:
    root = ElementTree.fromstring(  # noqa: S314 - our own text
        domain_xml(SmokeGuest("x", "kvm", "x86_64", GuestCpu("host-passthrough")))
    )
    assert root.find("os").get("firmware") is None  # type: ignore[union-attr]
    assert root.find("os/loader") is None
    assert root.find("devices/tpm") is None
    assert root.find("cpu").get("mode") == "host-passthrough"  # type: ignore[union-attr]
    assert len(root.find("cpu")) == 0  # type: ignore[arg-type]


def test_each_root_has_its_own_prefix() -> None:
    assert smoke_prefix("/") != smoke_prefix("/tmp/other")
    assert smoke_name("/", 1) != smoke_name("/", 1)
    assert listed_names("a\n\n b \n") == ("a", "b")


def test_what_libvirt_gave_the_running_guest() -> None:
    live = """<domain><os><type machine='pc-q35-7.2'>hvm</type>
      <loader readonly='yes' secure='yes' type='pflash'>/usr/share/OVMF/OVMF_CODE_4M.ms.fd</loader>
      <nvram template='/usr/share/OVMF/OVMF_VARS_4M.ms.fd'>/var/lib/libvirt/qemu/nvram/x_VARS.fd</nvram>
      </os><features><smm state='on'/></features></domain>"""
    firmware = parse_live_firmware(live)
    assert firmware is not None
    assert firmware.loader == "/usr/share/OVMF/OVMF_CODE_4M.ms.fd"
    assert firmware.nvram_template == "/usr/share/OVMF/OVMF_VARS_4M.ms.fd"
    assert firmware.secure
    assert firmware.smm
    assert parse_live_firmware("not xml") is None


def test_domain_capabilities_say_the_firmware_and_the_tpm() -> None:
    text = """<domainCapabilities><domain>kvm</domain><machine>pc-q35-7.2</machine><arch>x86_64</arch>
      <os supported='yes'><enum name='firmware'><value>efi</value></enum>
      <loader supported='yes'><value>/usr/share/OVMF/OVMF_CODE_4M.ms.fd</value>
      <enum name='type'><value>rom</value><value>pflash</value></enum>
      <enum name='secure'><value>yes</value><value>no</value></enum></loader></os>
      <devices><tpm supported='yes'><enum name='model'><value>tpm-tis</value><value>tpm-crb</value></enum>
      <enum name='backendModel'><value>emulator</value></enum>
      <enum name='backendVersion'><value>2.0</value></enum></tpm></devices></domainCapabilities>"""
    parsed = parse_domain_capabilities(text)
    assert parsed is not None
    assert parsed.loader is not None
    assert parsed.loader.secure_boot
    assert parsed.loader.uefi
    assert parsed.loader.paths == ("/usr/share/OVMF/OVMF_CODE_4M.ms.fd",)
    assert parsed.tpm_models == ("tpm-tis", "tpm-crb")
    assert parsed.tpm_versions == ("2.0",)
    plain = parse_domain_capabilities(
        text.replace("<value>yes</value><value>no</value>", "<value>no</value>")
    )
    assert plain is not None
    assert plain.loader is not None
    assert not plain.loader.secure_boot
