"""Each rule's pinned conda env (envs/*.yaml) holds every package its script imports: the script's modules
are imported with the packages of the other envs blocked, so `--sdm conda` cannot fail on a missing
import after the job has started (conda itself is not needed for this check)."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
# pip name -> import name, for the packages the envs pin
IMPORT_NAMES = {"pyyaml": "yaml", "scikit-learn": "sklearn", "pillow": "PIL", "nas-bench-201": "nas_201_api"}
RULE = re.compile(r"^rule (\w+):\n(.*?)(?=^rule |\Z)", re.M | re.S)


def env_packages(env: Path) -> set[str]:
    deps = yaml.safe_load(env.read_text())["dependencies"]
    pins = [line.split("==")[0].lower() for d in deps if isinstance(d, dict) for line in d["pip"]]
    return {IMPORT_NAMES.get(p, p.replace("-", "_")) for p in pins}


def rule_scripts() -> list[tuple[str, str, str]]:
    """(rule, env file, script file) of every rule with a `conda:` env and a `script:`."""
    out = []
    for smk in sorted((REPO / "workflow" / "rules").glob("*.smk")):
        for name, body in RULE.findall(smk.read_text()):
            env = re.search(r'conda:\s*\n\s*"\.\./\.\./(envs/[\w.-]+)"', body)
            script = re.search(r'script:\s*\n\s*"\.\./(scripts/[\w.-]+)"', body)
            if env and script:
                out.append((name, env.group(1), f"workflow/{script.group(1)}"))
    return out


def script_imports(script: Path) -> list[str]:
    """Modules a script imports (top level and inside functions)."""
    mods = []
    for node in ast.walk(ast.parse(script.read_text())):
        if isinstance(node, ast.Import):
            mods += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            mods.append(node.module)
    return list(dict.fromkeys(mods))


ALL = set().union(*(env_packages(p) for p in (REPO / "envs").glob("*.yaml")))
RULES = rule_scripts()


def test_every_rule_with_a_script_has_an_env():
    assert len(RULES) >= 14
    assert {r for r, _, _ in RULES} >= {"search", "retrain", "genotype", "stop_lookup", "table"}


@pytest.mark.parametrize("rule, env, script", RULES, ids=[r for r, _, _ in RULES])
def test_script_imports_only_what_its_env_pins(rule, env, script):
    blocked = sorted(ALL - env_packages(REPO / env))
    mods = script_imports(REPO / script) + RUNTIME_IMPORTS.get(rule, [])
    code = f"""
import sys
class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in {blocked!r}:
            raise ImportError(f"{{name}} is not in {env}")
sys.meta_path.insert(0, Block())
for mod in {mods!r}:
    __import__(mod)
"""
    proc = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=300)
    last = (proc.stderr.strip().splitlines() or [""])[-1]
    assert proc.returncode == 0, f"rule {rule} ({script}) under {env}: {last}"



# Imports inside darts_core functions that a rule does run, on some inputs (a static scan of every lazy
# import over-reaches: darts_core.benchmark.table can read the official .pth, which only rule
# benchmark_table does).
RUNTIME_IMPORTS = {
    # datasets without a benchmark table (the digits demo): each stop's cell is trained from scratch
    "stop_lookup": ["darts_core.benchmark.scratch"],
    "benchmark_table": ["darts_core.benchmark.pth_source"],
    "retrain": ["darts_core.train.imagenet", "darts_core.train.data"],
    "retrain_imagenet": ["darts_core.train.imagenet", "darts_core.train.data"],
}
