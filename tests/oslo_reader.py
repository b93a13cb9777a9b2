"""Test helper: read a config file through oslo.config itself, with the bundled schema's options registered."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from oslo_config import cfg, types

from wizard.option_types import FileKind, Option
from wizard.options import schema


def oslo_option(option: Option) -> cfg.Opt:
    """The oslo.config definition equivalent to a schema entry."""
    deprecated = [cfg.DeprecatedOpt(name, group=section) for section, name in option.deprecated_names]
    common: dict[str, Any] = {
        "default": list(option.default) if isinstance(option.default, tuple) else option.default,
        "deprecated_opts": deprecated,
        "secret": option.secret,
        "help": option.help,
    }
    if option.type == "bool":
        return cfg.BoolOpt(option.name, **common)
    if option.type == "int":
        return cfg.IntOpt(option.name, min=option.minimum, max=option.maximum, **common)
    if option.type == "list":
        return cfg.ListOpt(option.name, item_type=types.String(ignore_case=option.ignore_case), **common)
    choices = [(choice.value, choice.help or None) for choice in option.choices] or None
    return cfg.StrOpt(option.name, choices=choices, ignore_case=option.ignore_case, **common)


def read_with_oslo(path: Path, file_kind: FileKind) -> dict[tuple[str, str], Any]:
    """Every schema option of `file_kind` as oslo reads it from `path` (lists as tuples, unset ones as defaults).

    Raises what oslo raises: cfg.ConfigFileParseError for broken syntax, cfg.ConfigFileValueError for a value
    its types reject (a wrong choice, a non-integer, a bad boolean).
    """
    conf = cfg.ConfigOpts()
    options = [option for option in schema() if option.file == file_kind]
    for option in options:
        conf.register_opt(oslo_option(option), group=None if option.section == "DEFAULT" else option.section)
    # No command line, no environment, no other files: only what `path` says.
    conf(
        args=[],
        project="kvm-wizard-test",
        default_config_files=[str(path)],
        default_config_dirs=[],
        use_env=False,
    )
    values: dict[tuple[str, str], Any] = {}
    for option in options:
        group = conf if option.section == "DEFAULT" else conf[option.section]
        value = group[option.name]
        values[(option.section, option.name)] = tuple(value) if isinstance(value, list) else value
    return values


def read_chain_with_oslo(paths: list[Path], file_kind: FileKind) -> dict[tuple[str, str], Any]:
    """Every schema option of ``file_kind`` as a service started with ``--config-file P`` for each path, in
    order, reads it: the later file wins, as nova-compute's own command line does it."""
    conf = cfg.ConfigOpts()
    options = [option for option in schema() if option.file == file_kind]
    for option in options:
        conf.register_opt(oslo_option(option), group=None if option.section == "DEFAULT" else option.section)
    arguments = [word for path in paths for word in ("--config-file", str(path))]
    conf(
        args=arguments,
        project="kvm-wizard-test",
        default_config_files=[],
        default_config_dirs=[],
        use_env=False,
    )
    values: dict[tuple[str, str], Any] = {}
    for option in options:
        group = conf if option.section == "DEFAULT" else conf[option.section]
        value = group[option.name]
        values[(option.section, option.name)] = tuple(value) if isinstance(value, list) else value
    return values


def read_raw_with_oslo(paths: list[Path], keys: set[tuple[str, str]]) -> dict[tuple[str, str], str | None]:
    """The raw string oslo's own lookup finds for each (section, key) over all of a service's files, before any
    type or `$name` substitution (None: set in no file): how every option reads, known to the wizard or not."""
    conf = cfg.ConfigOpts()
    arguments = [word for path in paths for word in ("--config-file", str(path))]
    conf(
        args=arguments,
        project="kvm-wizard-test",
        default_config_files=[],
        default_config_dirs=[],
        use_env=False,
    )
    namespace = conf._namespace
    assert namespace is not None
    found: dict[tuple[str, str], str | None] = {}
    for section, key in keys:
        try:
            # oslo's own lookup of a file value (newest file first, last assignment in it): what every option
            # type then reads its value from.
            values, _ = namespace._get_file_value([(section, key)], normalized=True)
        except KeyError:
            found[(section, key)] = None
        else:
            found[(section, key)] = values[-1]
    return found
