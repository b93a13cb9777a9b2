"""Host facts with every text masked: what the probe recorded is masked again before it leaves the host.

The probe already masks the files nova-compute and glance-api read and the log lines it keeps; a recording made by an older
kvm-wizard, or a file nobody expected to hold a secret (a kernel command line, a command's output), is
covered here too.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from wizard.host.facts import HostFacts
from wizard.host.ini_record import RECORDED_CONFIGS, mask_config_text
from wizard.option_types import FileKind
from wizard.secrets import mask_text


def _maybe(text: str | None) -> str | None:
    return mask_text(text) if text else text


def mask_facts(facts: HostFacts, kinds: Mapping[str, FileKind] | None = None) -> HostFacts:
    """``kinds``: the configuration files of the services' chains beyond nova.conf and glance-api.conf (their
    options' secret flags mask them)."""
    known = {**RECORDED_CONFIGS, **(kinds or {})}
    files = {}
    for path, read in facts.files.items():
        content = read.content
        if content:
            kind = known.get(path)
            content = mask_config_text(kind, content) if kind is not None else mask_text(content)
        files[path] = dataclasses.replace(read, content=content, error=_maybe(read.error))
    commands = {
        key: dataclasses.replace(
            run, stdout=mask_text(run.stdout), stderr=mask_text(run.stderr), error=_maybe(run.error)
        )
        for key, run in facts.commands.items()
    }
    udev = tuple(
        dataclasses.replace(
            device, properties={key: mask_text(value) for key, value in device.properties.items()}
        )
        for device in facts.udev
    )
    return dataclasses.replace(
        facts,
        files=files,
        commands=commands,
        udev=udev,
        kernel_log=tuple(mask_text(line) for line in facts.kernel_log),
        environment={key: mask_text(value) for key, value in facts.environment.items()},
        probe_errors=tuple(mask_text(item) for item in facts.probe_errors),
    )
