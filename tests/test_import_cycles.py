"""No import cycles between the modules of agenttrace_tui, over the real import graph.

The graph is grimp's (import-linter's library), built from the source as it is:
module-level and function-level imports alike, so a lazy ``from .x import y``
inside a function counts. A cycle at run time is what makes import order matter
and lets two modules drift into one; none is allowed.

Imports under ``if TYPE_CHECKING:`` never run. A few of them still point back
up (an object names its owner in an annotation); those closed loops are listed
below, each with its reason, and any other loop fails. The UI has none: its
helpers take what they need (or a Protocol) rather than naming the app.
"""

from __future__ import annotations

import grimp

ROOT = "agenttrace_tui"

#: Loops that close only through TYPE_CHECKING imports, with their reason.
TYPE_ONLY_LOOPS: dict[frozenset[str], str] = {
    frozenset({
        "agenttrace_tui.sdk.context", "agenttrace_tui.sdk.decorators", "agenttrace_tui.sdk.sender",
        "agenttrace_tui.sdk.span", "agenttrace_tui.sdk.tracer",
    }): "a span names its Tracer and the context var holds a Span, in annotations only",
}


def _graph(type_checking: bool) -> grimp.ImportGraph:
    return grimp.build_graph(ROOT, exclude_type_checking_imports=not type_checking, cache_dir=None)


def strongly_connected(graph: grimp.ImportGraph) -> list[list[str]]:
    """Groups of two or more modules that import each other, directly or not (Tarjan)."""
    edges = {m: sorted(graph.find_modules_directly_imported_by(m)) for m in graph.modules if m.startswith(ROOT)}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(root: str) -> None:
        # Iterative depth-first search: the graph is small, but recursion limits are not ours to set.
        work = [(root, iter(edges[root]))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next((c for c in children if c in edges), None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(edges[child])))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    m = stack.pop()
                    on_stack.discard(m)
                    group.append(m)
                    if m == node:
                        break
                if len(group) > 1:
                    groups.append(sorted(group))

    for m in sorted(edges):
        if m not in index:
            visit(m)
    return groups


def describe(graph: grimp.ImportGraph, group: list[str]) -> str:
    members = set(group)
    lines = []
    for a in group:
        for b in sorted(graph.find_modules_directly_imported_by(a) & members):
            for d in graph.get_import_details(importer=a, imported=b):
                lines.append(f"  {a} -> {b}  (line {d['line_number']}: {d['line_contents']})")
    return "\n".join(lines)


def test_the_cycle_finder_finds_a_cycle() -> None:
    graph = grimp.ImportGraph()
    for m in ("agenttrace_tui", "agenttrace_tui.a", "agenttrace_tui.b", "agenttrace_tui.c"):
        graph.add_module(m)
    graph.add_import(importer="agenttrace_tui.a", imported="agenttrace_tui.b")
    graph.add_import(importer="agenttrace_tui.b", imported="agenttrace_tui.c")
    assert strongly_connected(graph) == []
    graph.add_import(importer="agenttrace_tui.c", imported="agenttrace_tui.a")
    assert strongly_connected(graph) == [["agenttrace_tui.a", "agenttrace_tui.b", "agenttrace_tui.c"]]


def test_no_import_cycle_between_modules_at_run_time() -> None:
    graph = _graph(type_checking=False)
    assert len(graph.modules) > 50  # the real package, not an empty graph
    cycles = strongly_connected(graph)
    assert not cycles, "modules that import each other:\n" + "\n\n".join(describe(graph, g) for g in cycles)


def test_type_only_loops_are_the_known_ones() -> None:
    graph = _graph(type_checking=True)
    unknown = [g for g in strongly_connected(graph) if not any(set(g) <= known for known in TYPE_ONLY_LOOPS)]
    assert not unknown, "new import loops (through TYPE_CHECKING imports):\n" + "\n\n".join(
        describe(graph, g) for g in unknown
    )


def test_the_ui_has_no_loop_even_through_type_checking_imports() -> None:
    graph = _graph(type_checking=True)
    ui_loops = [g for g in strongly_connected(graph) if any(m.startswith(ROOT + ".ui") for m in g)]
    assert not ui_loops, "UI modules that import each other:\n" + "\n\n".join(describe(graph, g) for g in ui_loops)
