"""Known, absent or unknown: what the facts say about one path, given where they were observed.

A file missing from /proc, /sys or /dev is absent only when that tree shows a running kernel (the live host, a
recording of one, or a root with procfs, sysfs or devtmpfs mounted). In a copied dump or an image being
prepared, a missing file there was simply not recorded: unknown, never "absent".
"""

from __future__ import annotations

from enum import StrEnum

from wizard.host.facts import HostFacts

# A path that exists in every mounted instance of each kernel tree: the probe stats it under a root other than /.
KERNEL_TREE_MARKERS = {"/proc": "/proc/self", "/sys": "/sys/kernel", "/dev": "/dev/null"}
_MISSING = ("ENOENT", "ENOTDIR")


class Seen(StrEnum):
    PRESENT = "present"  # observed, and there
    ABSENT = "absent"  # observed not to be there
    UNKNOWN = "unknown"  # not recorded, not readable, or not applicable to this source


def running_kernel_trees(facts: HostFacts) -> tuple[str, ...]:
    """The kernel trees that showed a running kernel. Recordings older than HostFacts.kernel_trees were made
    by a live probe when they hold its KVM API test (every demo host), or under root /."""
    if facts.kernel_trees is not None:
        return facts.kernel_trees
    if facts.kvm.attempted or facts.root == "/":
        return tuple(KERNEL_TREE_MARKERS)
    return tuple(tree for tree, marker in KERNEL_TREE_MARKERS.items() if facts.stat(marker).exists)


def kernel_tree_live(facts: HostFacts, path: str) -> bool:
    """Whether a missing ``path`` is really missing: always outside /proc, /sys, /dev and /run; inside them only
    where that tree shows a running system (/run, the running system's tmpfs, goes with /dev)."""
    if path == "/run" or path.startswith("/run/"):
        path = "/dev"
    tree = next((top for top in KERNEL_TREE_MARKERS if path == top or path.startswith(top + "/")), None)
    return tree is None or tree in running_kernel_trees(facts)


def file_seen(facts: HostFacts, path: str) -> Seen:
    read = facts.files.get(path)
    if read is None:
        return Seen.UNKNOWN
    if read.content is not None:
        return Seen.PRESENT
    if (read.error or "").startswith(_MISSING) and kernel_tree_live(facts, path):
        return Seen.ABSENT
    return Seen.UNKNOWN


def path_seen(facts: HostFacts, path: str) -> Seen:
    found = facts.stats.get(path)
    if found is None or found.error:
        return Seen.UNKNOWN
    if found.exists:
        return Seen.PRESENT
    return Seen.ABSENT if kernel_tree_live(facts, path) else Seen.UNKNOWN
