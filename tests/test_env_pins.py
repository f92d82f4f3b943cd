"""The conda envs of the workflow (envs/*.yaml) pin exactly the versions the tests run on."""

from importlib import metadata
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
ENVS = sorted((REPO / "envs").glob("*.yaml"))


def pip_pins(env_file: Path) -> dict[str, str]:
    deps = yaml.safe_load(env_file.read_text())["dependencies"]
    pins = {}
    for dep in deps:
        if isinstance(dep, dict):
            for line in dep["pip"]:
                name, sep, version = line.partition("==")
                assert sep, f"{env_file.name}: {line!r} is not pinned with =="
                pins[name.lower()] = version
        else:
            assert "=" in dep, f"{env_file.name}: conda package {dep!r} is not pinned"
    return pins


def test_there_are_envs_for_search_analysis_and_benchmark():
    assert {p.stem for p in ENVS} >= {"search", "analysis", "benchmark"}


@pytest.mark.parametrize("env_file", ENVS, ids=lambda p: p.name)
def test_env_pins_match_the_tested_versions(env_file):
    for name, pinned in pip_pins(env_file).items():
        installed = metadata.version(name).split("+")[0]  # torch's local tag (+cpu, +cu128) is the build
        assert installed == pinned, f"{env_file.name} pins {name}=={pinned}, tests run on {installed}"


def test_pyproject_pins_agree_with_envs():
    import tomllib

    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    reqs = project["dependencies"] + [r for extra in project["optional-dependencies"].values() for r in extra]
    pinned = {r.split("==")[0].lower(): r.split("==")[1] for r in reqs if "==" in r and "[" not in r.split("==")[0]}
    for env_file in ENVS:
        for name, version in pip_pins(env_file).items():
            if name in pinned:
                assert pinned[name] == version, f"pyproject pins {name}=={pinned[name]}, {env_file.name} {version}"
