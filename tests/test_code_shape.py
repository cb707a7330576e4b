"""The code stays small enough to hold in one's head: no module over 500 lines, no class over
300, no function over 60 (the gettext catalogs aside). Run this file to see the largest."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "wxdash"
LIMITS = {"module": 500, "class": 300, "function": 60}


def sizes() -> list[tuple[str, str, int]]:
    """(kind, where, lines) for every module, class and function in the package."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        where = path.relative_to(PACKAGE.parent).as_posix()
        source = path.read_text(encoding="utf-8")
        found.append(("module", where, len(source.splitlines())))
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
                kind = "class" if isinstance(node, ast.ClassDef) else "function"
                start = min([node.lineno, *(d.lineno for d in node.decorator_list)])
                found.append(
                    (kind, f"{where}:{node.lineno} {node.name}", node.end_lineno - start + 1)
                )
    return found


@pytest.mark.parametrize("kind", LIMITS)
def test_nothing_outgrows_its_limit(kind: str) -> None:
    over = [
        f"{where} ({lines})" for k, where, lines in sizes() if k == kind and lines > LIMITS[kind]
    ]
    assert over == [], f"over {LIMITS[kind]} lines: " + ", ".join(over)


if __name__ == "__main__":
    for kind, where, lines in sorted(sizes(), key=lambda s: s[2] / LIMITS[s[0]], reverse=True)[:25]:
        print(f"{lines:5d} / {LIMITS[kind]:3d}  {kind:8s} {where}")
