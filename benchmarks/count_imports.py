"""Count function-level imports (``import`` statements inside a function body) under a source tree.

Prints JSON: the total, how many import micropulse's own modules (the kind that can hide an import cycle)
and how many import third-party packages (optional heavy dependencies imported lazily), with the
locations of the first kind. A snapshot of another revision can be counted by pointing ``--src`` at an
exported tree (``git archive REV src | tar -x -C /tmp/rev``).

    python benchmarks/count_imports.py [--src src] [--list]
"""

from __future__ import annotations

import argparse
import ast
import json
from pathlib import Path

OWN_PACKAGES = ("micropulse", "vatmart")


def _imported_modules(node: ast.Import | ast.ImportFrom) -> list[str]:
    if isinstance(node, ast.ImportFrom):
        if node.level:  # relative import: always our own package
            return [f"{OWN_PACKAGES[0]}.(relative)"]
        return [node.module or ""]
    return [alias.name for alias in node.names]


def function_level_imports(path: Path) -> list[tuple[int, str]]:
    """(line, module) of every import statement nested in a function of ``path``."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[tuple[int, str]] = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            inside = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            if in_function and isinstance(child, (ast.Import, ast.ImportFrom)):
                found.extend((child.lineno, m) for m in _imported_modules(child))
            visit(child, inside)

    visit(tree, False)
    return found


def count(src: Path) -> dict:
    own: list[str] = []
    third_party: list[str] = []
    for path in sorted(src.rglob("*.py")):
        rel = path.relative_to(src)
        for line, module in function_level_imports(path):
            entry = f"{rel}:{line} {module}"
            (own if module.split(".")[0] in OWN_PACKAGES else third_party).append(entry)
    return {
        "src": str(src),
        "function_level_imports": len(own) + len(third_party),
        "own_package": len(own),
        "third_party": len(third_party),
        "own_package_sites": own,
        "third_party_sites": third_party,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--src", default=str(Path(__file__).resolve().parents[1] / "src"))
    parser.add_argument("--list", action="store_true", help="include every site in the output")
    args = parser.parse_args()
    result = count(Path(args.src))
    if not args.list:
        result.pop("own_package_sites")
        result.pop("third_party_sites")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
