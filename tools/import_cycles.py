"""Print every import cycle between the project's packages and modules (exit 1 if there is one).

import-linter's contracts say which layer may import which; this finds loops inside a layer too, counting every
import (at the top, inside functions and under TYPE_CHECKING alike). Usage: python tools/import_cycles.py
"""

from __future__ import annotations

import sys
from collections import defaultdict

import grimp


def strongly_connected(edges: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iterative (the graph has a few hundred nodes)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for root in sorted(edges):
        if root in index:
            continue
        work = [(root, iter(sorted(edges.get(root, ()))))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def main() -> int:
    graph = grimp.build_graph("wizard", "screens", "assets", cache_dir=None)
    cycles = 0
    for depth in (2, 3, 99):
        edges: dict[str, set[str]] = defaultdict(set)
        for module in graph.modules:
            for imported in graph.find_modules_directly_imported_by(module):
                if imported.split(".")[0] not in ("wizard", "screens", "assets"):
                    continue
                source = ".".join(module.split(".")[:depth])
                target = ".".join(imported.split(".")[:depth])
                # A package's __init__ importing its own modules is how a package names its API, not a loop.
                if (
                    source != target
                    and not target.startswith(source + ".")
                    and not source.startswith(target + ".")
                ):
                    edges[source].add(target)
        for component in strongly_connected(edges):
            cycles += 1
            print(f"cycle at depth {depth}: {' <-> '.join(component)}")
    print(f"{cycles} import cycle(s)")
    return 1 if cycles else 0


if __name__ == "__main__":
    sys.exit(main())
