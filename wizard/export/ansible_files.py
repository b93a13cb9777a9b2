"""The playbook's file tasks: the INI options, the modules loaded at boot and the nested option, as the wizard
writes them (the same values, reasons and placement), with the host's choices left to each node's facts."""

from __future__ import annotations

import re

from wizard.answers import Answers
from wizard.export.yaml_text import Commented, Node, Unsafe
from wizard.options import get_option
from wizard.plan.actions import VHOST_NET_REASON, kvm_module_reason, wants_kvm
from wizard.plan.build import GLANCE_API_CONF, NOVA_CONF, nested_reason
from wizard.plan.ini_edits import NEW_FILE_HEADER, written_value
from wizard.plan.model import Reason
from wizard.plan.module_files import HEADER, MODULES_LOAD_DIRS, NESTED_CONF
from wizard.plan.settings import Desired, glance_settings, nova_settings

# The vendor's flag of each kind of node, as the play's kvm_wizard_vt_flag spells it ("" off x86).
FLAGS: dict[str, str | None] = {"vmx": "vmx", "svm": "svm", "": None}
RESTART_NOVA = "kvm-wizard restart nova-compute"
RESTART_GLANCE = "kvm-wizard restart glance-api"
RELOAD_NESTED = "kvm-wizard reload the nested module"


def path(system_path: str) -> str:
    return "{{ kvm_wizard_prefix }}" + system_path


def why(*reasons: Reason) -> tuple[str, ...]:
    return tuple(f"why: {reason.text} ({reason.source})" for reason in reasons)


def task(comments: tuple[str, ...], name: str, module: str, arguments: dict[str, Node], **more: Node) -> Node:
    body: dict[str, Node] = {"name": name, module: arguments}
    body.update(more)
    return Commented(comments, body) if comments else body


def _nova_default(desired: Desired) -> bool:
    """Whether nova (or glance) uses the wanted value where no file sets it: the wizard then writes it only
    where a file sets another value (images_type's default is qcow2 while use_cow_images is true)."""
    if desired.value is None:
        return False
    option = get_option(desired.file, desired.section, desired.key)
    if (desired.section, desired.key) == ("libvirt", "images_type") and desired.value == "qcow2":
        return True
    return option.default == desired.value


def set_pattern(section: str, key: str) -> str:
    """A regular expression that finds ``key = ...`` in ``[section]`` (any of its repeats), as oslo reads them:
    a key starts its line; section names match without regard to case, except DEFAULT."""
    name = "DEFAULT" if section == "DEFAULT" else f"(?i:{re.escape(section)})"
    return rf"(?m)^\[{name}\](?:\n(?!\[).*)*?\n{re.escape(key)}[ \t]*[=:]"


def set_fact_name(file: str) -> str:
    return "kvm_wizard_nova_text" if file == NOVA_CONF else "kvm_wizard_glance_text"


def _ini_task(file: str, desired: Desired, flag: str | None, topic: str) -> list[Node]:
    label = "nova.conf" if file == NOVA_CONF else "glance-api.conf"
    conditions = [] if flag is None else [f"kvm_wizard_vt_flag == {flag!r}"]
    if _nova_default(desired):
        # Nova's own value, where no file sets the option: written only over another value, as the wizard does.
        conditions.append(
            f"{set_fact_name(file)} is regex(kvm_wizard_set['{desired.section}.{desired.key}'])"
        )
    when: dict[str, Node] = {"when": " and ".join(conditions)} if conditions else {}
    on = f" (on {'non-x86' if flag == '' else flag} CPUs)" if flag is not None else ""
    tasks: list[Node] = []
    for name in desired.also_unset:
        tasks.append(
            task(
                why(Reason(f"{name} is the deprecated name of {desired.key}", "nova 34")),
                f"{label} [{desired.section}] {name} is not set",
                "community.general.ini_file",
                {"path": path(file), "section": desired.section, "option": name, "state": "absent"},
                notify=topic,
                **when,
            )
        )
    value = written_value(desired)
    arguments: dict[str, Node] = {"path": path(file), "section": desired.section, "option": desired.key}
    if value is None:
        arguments["state"] = "absent"
        title = f"{label} [{desired.section}] {desired.key} is not set{on}"
    else:
        arguments["value"] = Unsafe(value)
        title = f"{label} [{desired.section}] {desired.key} = {value}{on}"
    tasks.append(
        task(why(*desired.reasons), title, "community.general.ini_file", arguments, notify=topic, **when)
    )
    return tasks


def _by_flag(answers: Answers) -> list[tuple[Desired, str | None]]:
    """Every nova.conf setting once, or once per vendor flag where the vendor changes it (extra flags)."""
    variants = {flag: nova_settings(answers, value) for flag, value in FLAGS.items()}
    keys: list[tuple[str, str]] = []
    for settings in variants.values():
        keys += [(item.section, item.key) for item in settings if (item.section, item.key) not in keys]
    result: list[tuple[Desired, str | None]] = []
    for key in keys:
        found = {
            flag: next((item for item in settings if (item.section, item.key) == key), None)
            for flag, settings in variants.items()
        }
        present = [item for item in found.values() if item is not None]
        if len(present) == len(found) and len(set(present)) == 1:
            result.append((present[0], None))
            continue
        result += [(item, flag) for flag, item in found.items() if item is not None]
    return result


def default_valued(answers: Answers) -> list[Desired]:
    """The settings whose value is nova's (or glance's) own: each needs to know whether a file sets it."""
    settings = [desired for desired, _ in _by_flag(answers)] + glance_settings(answers)
    return [desired for desired in settings if _nova_default(desired)]


def _read_config(file: str) -> Node:
    return task(
        (),
        f"Read {file} (an option at nova's own value is written only where the file sets another)",
        "ansible.builtin.slurp",
        {"src": path(file)},
        register="kvm_wizard_" + ("nova" if file == NOVA_CONF else "glance") + "_conf",
        failed_when=False,
    )


def config_tasks(answers: Answers) -> list[Node]:
    """nova.conf (and glance-api.conf on a Glance API node), created as the wizard creates them when missing."""
    tasks: list[Node] = [_create_config(NOVA_CONF, "nova"), _read_config(NOVA_CONF)]
    for desired, flag in _by_flag(answers):
        tasks += _ini_task(NOVA_CONF, desired, flag, RESTART_NOVA)
    glance = glance_settings(answers)
    if glance:
        tasks += [_create_config(GLANCE_API_CONF, "glance"), _read_config(GLANCE_API_CONF)]
    for desired in glance:
        tasks += _ini_task(GLANCE_API_CONF, desired, None, RESTART_GLANCE)
    return tasks


def missing_keys(answers: Answers) -> list[str]:
    """What the playbook cannot write: a setting made of a key the answers leave out (the wizard takes each
    node's own value; a playbook cannot), as "KEY (for [section] option)"."""
    settings = [desired for desired, _ in _by_flag(answers)] + glance_settings(answers)
    found: dict[str, None] = {}
    for desired in settings:
        for key in desired.keys:
            if key not in answers.given:
                found[f"{key} (for [{desired.section}] {desired.key})"] = None
    return list(found)


def _create_config(file: str, group: str) -> Node:
    # Distributions ship service configs root:<service group> 0640 (they hold passwords); without the group,
    # root:root 0600. An existing file keeps its owner and mode.
    has_group = f"'{group}' in ansible_facts['getent_group']"
    return task(
        (),
        f"{file} exists (created as the wizard creates it when missing)",
        "ansible.builtin.copy",
        {
            "dest": path(file),
            "content": NEW_FILE_HEADER,
            "force": False,
            "owner": "root",
            "group": f"{{{{ '{group}' if {has_group} else 'root' }}}}",
            "mode": f"{{{{ '0640' if {has_group} else '0600' }}}}",
        },
    )


def wanted_modules(answers: Answers) -> list[tuple[str, Reason]]:
    """(module or Jinja expression, why) for the modules to load now and at boot: as the wizard, only for the
    keys the answers give."""
    wanted: list[tuple[str, Reason]] = []
    if wants_kvm(answers):
        wanted.append(
            ("{{ kvm_wizard_kvm_module }}", kvm_module_reason("the CPU's KVM module", "of each node"))
        )
    if answers.performance.vhost_net and answers.is_given("performance.vhost_net"):
        wanted.append(("vhost_net", VHOST_NET_REASON))
    return wanted


def boot_module_tasks(answers: Answers) -> list[Node]:
    """List the wanted modules in the distribution's file, unless a file read at boot already lists them."""
    wanted = wanted_modules(answers)
    if not wanted:
        return []
    dirs: list[Node] = [path(directory) for directory in MODULES_LOAD_DIRS]
    boot_text = (
        "kvm_wizard_boot_files.results | selectattr('content', 'defined') | map(attribute='content') "
        "| map('b64decode') | join('\\n')"
    )
    comments = why(*(reason for _, reason in wanted))
    return [
        task(
            (),
            "Find the modules-load.d files read at boot",
            "ansible.builtin.find",
            {"paths": dirs, "patterns": "*.conf"},
            register="kvm_wizard_modules_load_d",
        ),
        task(
            (),
            "Read them, and /etc/modules where it exists",
            "ansible.builtin.slurp",
            {"src": "{{ item }}"},
            loop="{{ ([kvm_wizard_prefix + '/etc/modules'] if kvm_wizard_etc_modules.stat.exists else []) "
            "+ (kvm_wizard_modules_load_d.files | map(attribute='path') | list) }}",
            register="kvm_wizard_boot_files",
        ),
        task(
            (),
            "Modules that no file loads at boot yet (kmod treats - and _ alike)",
            "ansible.builtin.set_fact",
            {
                "kvm_wizard_missing_modules": "{{ kvm_wizard_boot_modules | reject('in', "
                f"{boot_text} | regex_findall('(?m)^[ \\t]*([A-Za-z0-9_-]+)') | map('replace', '-', '_') "
                "| list) | list }}"
            },
        ),
        task(
            (),
            "{{ kvm_wizard_modules_file }} exists (created with the wizard's header when missing)",
            "ansible.builtin.copy",
            {
                "dest": path("{{ kvm_wizard_modules_file }}"),
                "content": HEADER,
                "force": False,
                "mode": "0644",
            },
            when="kvm_wizard_missing_modules | length > 0",
        ),
        task(
            comments,
            "The modules are loaded at boot",
            "ansible.builtin.lineinfile",
            {"path": path("{{ kvm_wizard_modules_file }}"), "line": "{{ item }}"},
            loop="{{ kvm_wizard_missing_modules }}",
        ),
    ]


def nested_tasks(answers: Answers) -> list[Node]:
    """options MODULE nested=1 in /etc/modprobe.d/kvm.conf: an existing value changed in place, else added to
    the module's options line, else a line of its own; an enabled value (1, Y, on, true) is left alone."""
    if not (answers.nested.enabled and answers.is_given("nested.enabled")):
        return []
    conf = path(NESTED_CONF)
    module = "{{ kvm_wizard_nested_module }}"
    options = f"^[ \\t]*options[ \\t]+{module}"
    text = "(kvm_wizard_nested_conf.content | default('') | b64decode)"
    line = "'(?m)^[ \\t]*options[ \\t]+' + kvm_wizard_nested_module"  # the same start, in a Jinja expression
    guard = "kvm_wizard_nested_module != ''"
    comments = why(nested_reason("the node's nested module (kvm_intel, kvm_amd, kvm_hv or kvm)"))
    return [
        task(
            (),
            "Read /etc/modprobe.d/kvm.conf",
            "ansible.builtin.slurp",
            {"src": conf},
            register="kvm_wizard_nested_conf",
            failed_when=False,
            when=guard,
        ),
        task(
            (),
            "What kvm.conf says for the nested module",
            "ansible.builtin.set_fact",
            {
                "kvm_wizard_has_options": f"{{{{ {text} is regex({line} + '([ \\t]|$)') }}}}",
                "kvm_wizard_has_nested": f"{{{{ {text} is regex({line} + '[ \\t](.*[ \\t])?nested=') }}}}",
            },
            when=guard,
        ),
        task(
            comments,
            f"{module} nested=1: the value changed in place",
            "ansible.builtin.replace",
            {
                "path": conf,
                "regexp": f"({options}[ \\t](?:.*[ \\t])?nested=)(?!(?:1|[yY]|[oO][nN]|[tT][rR][uU][eE])(?:[ \\t]|$))\\S*",
                "replace": "\\g<1>1",
            },
            notify=RELOAD_NESTED,
            when=f"{guard} and kvm_wizard_has_nested",
        ),
        task(
            comments,
            f"{module} nested=1: added to the module's options line",
            "ansible.builtin.lineinfile",
            {
                "path": conf,
                "regexp": f"({options}[ \\t].*?)[ \\t]*$",
                "line": "\\1 nested=1",
                "backrefs": True,
            },
            notify=RELOAD_NESTED,
            when=f"{guard} and kvm_wizard_has_options and not kvm_wizard_has_nested",
        ),
        task(
            comments,
            f"options {module} nested=1",
            "ansible.builtin.lineinfile",
            {"path": conf, "line": f"options {module} nested=1", "create": True},
            notify=RELOAD_NESTED,
            when=f"{guard} and not kvm_wizard_has_options",
        ),
    ]
