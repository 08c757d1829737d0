"""The README's import diagram is the code's: every module's imports of the package, read with ast, match it."""

from __future__ import annotations

import ast
import re

from conftest import REPO

SOURCE = REPO / "src" / "mailmerge"
PACKAGES = ("cli", "roster", "store", "messages")  # shown as one box each: cli/, roster/, …


def unit(module: str) -> str:
    """Return the diagram's name for a module: a package's modules are the package."""
    for package in PACKAGES:
        if module == package or module.startswith(package + "."):
            return package + "/"
    return module


def imports() -> dict[str, set[str]]:
    """Return, for each module (or package) of mailmerge, what it imports of mailmerge, imports in functions too."""
    graph: dict[str, set[str]] = {}
    for path in sorted(SOURCE.rglob("*.py")):
        parts = list(path.relative_to(SOURCE).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level:
                raise AssertionError(f"{path}: a relative import")
            if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "mailmerge":
                module = node.module.removeprefix("mailmerge").lstrip(".")
                found |= {module} if module else {alias.name for alias in node.names}
            elif isinstance(node, ast.Import):
                found |= {a.name.removeprefix("mailmerge.") for a in node.names if a.name.startswith("mailmerge.")}
        if parts:
            graph.setdefault(unit(".".join(parts)), set()).update(unit(name) for name in found)
    return graph


def names(text: str) -> set[str]:
    text = re.sub(r"\(loaded[^)]*\)", "", text)
    return {piece.strip() for piece in re.split(r"[·,()+]", text) if piece.strip()}


def diagram() -> tuple[set[str], list[tuple[set[str], set[str]]]]:
    """Return the diagram's base (what every module may import) and its (modules, what they import) lines."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    block = readme.split("## Architecture", 1)[1].split("```", 2)[1]
    logical: list[str] = []
    for line in block.strip("\n").split("\n"):
        if line.startswith(" ") and logical:
            logical[-1] += " " + line.strip()  # an indented line continues the one before
        else:
            logical.append(line)
    base, lines = set(), []
    for line in logical:
        left, right = line.split("──►")
        if left.strip() == "every module":
            base = names(right)
        elif "the base only" in right:
            lines += [(names(group), set()) for group in re.split(r"·(?![^()]*\))", left)]
        else:
            lines.append((names(left), names(right)))
    return base, lines


def test_the_readme_diagram_matches_the_imports() -> None:
    graph = imports()
    base, lines = diagram()
    wrong, shown = [], set()
    for modules, claimed in lines:
        shown |= modules
        assert modules <= set(graph), f"the diagram names modules that do not exist: {sorted(modules - set(graph))}"
        actual = set().union(*(graph[m] for m in modules)) - modules - base - {"__version__"}
        if actual != claimed:
            first = sorted(modules)[0]
            wrong.append(f"{first}: missing {sorted(actual - claimed)}, not imported {sorted(claimed - actual)}")
    for module in sorted(set(graph) - shown - base - {"__main__"}):
        if graph[module] - base - {"__version__", module}:
            wrong.append(f"{module} is not in the diagram but imports {sorted(graph[module] - base)}")
    for module in sorted(base):
        if graph.get(module, set()) - base - {module}:
            wrong.append(f"{module} is in the base but imports {sorted(graph[module] - base - {module})}")
    assert not wrong, "\n".join(wrong)


def test_nothing_imports_the_cli() -> None:
    importers = sorted(module for module, found in imports().items() if "cli/" in found and module != "cli/")
    assert importers in ([], ["__main__"])
