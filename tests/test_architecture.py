"""The layering of docs/ARCHITECTURE.md, checked: the workflow is a thin adapter that never decides by a space
or method name, the declaration layers are torch-free, `stops` does not import `search`, and no test
executes a `.smk` file."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

from darts_core.methods import METHODS
from darts_core.spaces import ALIASES, SPACES

REPO = Path(__file__).resolve().parents[1]
SMK = sorted([REPO / "Snakefile", *(REPO / "workflow" / "rules").glob("*.smk")])


def test_common_smk_is_a_thin_adapter():
    lines = (REPO / "workflow" / "rules" / "common.smk").read_text().splitlines()
    assert len(lines) < 150
    assert not any(line.startswith(("def check", "class ")) for line in lines)


@pytest.mark.parametrize("path", SMK, ids=lambda p: p.name)
def test_no_smk_file_names_a_space_or_method(path):
    """Names of spaces and methods are data of the registries; a rule file that spells one out decides by it."""
    names = set(SPACES) | set(ALIASES) | set(METHODS)
    text = path.read_text()
    quoted = set(re.findall(r"""["']([A-Za-z0-9_.-]+)["']""", text))
    assert not quoted & names, f"{path.name} names {sorted(quoted & names)}"


def test_no_test_executes_a_smk_file():
    for test in (REPO / "tests").glob("*.py"):
        text = test.read_text()
        assert not re.search(r"exec\(.*\.smk|\.smk.*exec\(", text, re.S) or test.name == Path(__file__).name, test.name


def imported_modules(package: str) -> dict[str, set[str]]:
    """{module file: darts_core modules it imports (at any depth of the file)} for one subpackage."""
    out = {}
    for path in (REPO / "darts_core" / package).rglob("*.py"):
        found = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                found.add(node.module)
            elif isinstance(node, ast.Import):
                found.update(a.name for a in node.names)
        out[str(path.relative_to(REPO))] = {m for m in found if m.startswith("darts_core")}
    return out


@pytest.mark.parametrize("package, forbidden", [
    ("stops", ("darts_core.search", "darts_core.study", "darts_core.importers")),
    ("spaces", ("darts_core.search", "darts_core.stops", "darts_core.study", "darts_core.methods")),
    ("methods", ("darts_core.stops", "darts_core.study")),
])
def test_lower_layers_do_not_import_higher_ones(package, forbidden):
    for module, imports in imported_modules(package).items():
        bad = {m for m in imports if m.startswith(forbidden)}
        assert not bad, f"{module} imports {sorted(bad)}"


def test_declarations_and_study_are_torch_free():
    code = ("import sys, darts_core.study, darts_core.methods, darts_core.spaces, darts_core.stops.criteria, "
            "darts_core.report.kinds, darts_core.layout; from darts_core.study import load_study; "
            "print('torch' in sys.modules)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "False"
