"""The package's layout is its architecture: the kernel side never reaches the instructor side,
stages import only stages that come before them in a term, and nothing imports in a circle.

Read from the source (every import, at module level or inside a function), so a new import that
breaks the layering fails here before it confuses a reader.
"""

import ast

from conftest import ROOT

PACKAGE = ROOT / "ipt_helpers"
#: Layers, lowest first: a module may import from its own layer or a lower one, never higher.
#: The old paths at the top (recording, student_version, feedback, marking_app) only re-export.
LAYERS = [
    ["forms"],
    ["course.folder", "course.assignment", "course.files", "course.agreement", "course.lab_config"],
    ["course.release"], ["course.collect"], ["course.grading"], ["course.results"],
    ["course.marking"], ["course.report"],
    ["cli", "recording", "student_version", "feedback", "marking_app"],
]


def module_name(path):
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    return ".".join(p for p in parts if p != "__init__")


def layer_of(name):
    for i, layer in enumerate(LAYERS):
        if any(name == prefix or name.startswith(prefix + ".") for prefix in layer):
            return i
    raise AssertionError(f"ipt_helpers.{name} belongs to no layer: add it to LAYERS")


def imports():
    """{module: {module it imports}} within ipt_helpers."""
    graph = {}
    for path in PACKAGE.rglob("*.py"):
        name = module_name(path)
        found = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                target = node.module
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.startswith("ipt_helpers."):
                        found.add(alias.name.removeprefix("ipt_helpers."))
                continue
            else:
                continue
            if target.startswith("ipt_helpers."):
                base = target.removeprefix("ipt_helpers.")
                for alias in node.names:  # `from ipt_helpers.forms import items` names a module
                    sub = f"{base}.{alias.name}"
                    found.add(sub if (PACKAGE / (sub.replace(".", "/") + ".py")).exists() else base)
        graph[name] = {t for t in found if t}
    return graph


def test_every_module_is_in_a_layer_and_imports_none_above_it():
    graph = imports()
    assert {"forms.recording", "course.grading.run", "cli"} <= set(graph)
    upward = [(m, t) for m, targets in graph.items() for t in targets
              if m and layer_of(t) > layer_of(m)]
    assert upward == []


def test_the_kernel_side_imports_only_itself():
    graph = imports()
    reach = {t for m, targets in graph.items() if m.startswith("forms") for t in targets}
    assert all(t.startswith("forms") for t in reach), reach


def test_no_import_cycle():
    graph = imports()
    done, stack = set(), []

    def visit(m):
        if m in stack:
            raise AssertionError(" -> ".join(stack[stack.index(m):] + [m]))
        if m in done:
            return
        stack.append(m)
        for t in graph.get(m, ()):
            visit(t)
        stack.pop()
        done.add(m)

    for m in graph:
        visit(m)
