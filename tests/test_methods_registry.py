"""darts_core.methods: each method's declaration (settings, presets, capabilities), the settings every
preset resolves to (recorded from the code before SearchConfig was composed, tests/data/
search_config_presets.json), and a method added with one registry line."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from darts_core.errors import DartsCoreError
from darts_core.methods import METHODS, SPACE_PRESETS, MethodSpec, get_method, method_class, method_settings
from darts_core.search.config import FIELDS, PRESETS, SearchConfig, resolve_config

REPO = Path(__file__).resolve().parents[1]
RECORDED = json.loads((REPO / "tests" / "data" / "search_config_presets.json").read_text())["cases"]

# name: (own settings with defaults, presets, arch_parameters, hard_forward, impl)
DECLARED = {
    "darts-v1": ({}, ["darts", "ex-darts"], True, False, "darts_core.search.darts:DartsV1"),
    "darts-v2": ({}, [], True, False, "darts_core.search.darts:DartsV2"),
    "gaea": ({"exclude_zero": False, "single_level": False}, ["gaea", "ex-gaea"], True, False,
             "darts_core.search.gaea:Gaea"),
    "drnas": ({"drnas_reg": "l2", "drnas_progressive": False, "drnas_stage_epochs": (50, 50),
               "drnas_partial_channels": (4, 2), "drnas_keep_ops": (5, 3), "drnas_stage_warmup": 10},
              ["drnas", "drnas-progressive"], True, False, "darts_core.search.drnas:DrNas"),
    "gdas": ({"tau_max": 10.0, "tau_min": 0.1}, ["gdas"], True, True, "darts_core.search.gdas:Gdas"),
    "rsps": ({"rsps_select_num": 100, "rsps_eval_batch_size": 512}, ["rsps"], False, True,
             "darts_core.search.rsps:Rsps"),
    "setn": ({"setn_select_num": 100, "setn_eval_batch_size": 512}, ["setn"], True, True,
             "darts_core.search.setn:Setn"),
    "enas": ({"enas_ctl_train_steps": 50, "enas_ctl_num_aggregate": 20, "enas_entropy_weight": 0.0001,
              "enas_bl_dec": 0.99, "enas_num_samples": 100, "enas_epoch_samples": 10, "enas_ctl_lr": 0.001,
              "enas_ctl_betas": (0.0, 0.999), "enas_ctl_eps": 0.001, "enas_ctl_grad_clip": 5.0,
              "enas_tanh_constant": 2.5, "enas_temperature": 5.0, "enas_lstm_size": 32, "enas_lstm_layers": 2},
             ["enas"], False, True, "darts_core.search.enas:Enas"),
}
# settings added after tests/data/search_config_presets.json was recorded (SETN and ENAS, the cosine's
# period, DrNAS progressive's, the speed switches): every recorded case resolves them to their defaults, and
# the other keys as recorded
ADDED = {"w_lr_t_max", *DECLARED["setn"][0], *DECLARED["enas"][0], *(set(DECLARED["drnas"][0]) - {"drnas_reg"}),
         "fast_path", "channels_last", "amp", "compile"}


def test_registry_names_and_order():
    assert list(METHODS) == list(DECLARED)
    for name, spec in METHODS.items():
        assert isinstance(spec, MethodSpec) and spec.name == name and get_method(name) is spec


@pytest.mark.parametrize("name", list(DECLARED))
def test_declaration(name):
    settings, presets, arch_parameters, hard_forward, impl = DECLARED[name]
    spec = get_method(name)
    assert {k: s.default for k, s in spec.settings.items()} == settings
    assert list(spec.presets) == presets
    assert (spec.arch_parameters, spec.hard_forward, spec.impl) == (arch_parameters, hard_forward, impl)
    for key, setting in spec.settings.items():  # each joins SearchConfig with its default and doc
        assert FIELDS[key].default == setting.default and FIELDS[key].metadata["doc"] == setting.doc
    for preset in presets:  # a method's preset selects that method (darts-v1 is the default)
        assert PRESETS[preset].get("method", "darts-v1") == name


def test_preset_union_and_space_presets():
    assert list(PRESETS) == ["darts", "ex-darts", "gaea", "ex-gaea", "drnas", "drnas-progressive", "gdas", "rsps",
                             "setn", "enas", "darts-space", "nb1shot1"]
    assert list(SPACE_PRESETS) == ["darts-space", "nb1shot1"] and PRESETS["darts-space"]["space"] == "darts"
    assert PRESETS["nb1shot1"]["space"] == "nb1shot1-s1"
    assert "method" not in PRESETS["darts-space"] and "method" not in PRESETS["nb1shot1"]
    assert set(method_settings()) == {k for s in METHODS.values() for k in s.settings}


def test_method_class_is_lazy_and_named():
    torch = pytest.importorskip("torch")
    assert torch
    from darts_core.search.darts import DartsV1
    from darts_core.search.rsps import Rsps

    assert method_class("darts-v1") is DartsV1 and method_class("rsps") is Rsps
    for lookup in (get_method, method_class):
        with pytest.raises(DartsCoreError, match=r"^unknown method 'snas'; choose from darts-v1, darts-v2, gaea, "
                                                 r"drnas, gdas, rsps, setn, enas$"):
            lookup("snas")


def test_methods_package_imports_no_torch():
    code = "import sys, darts_core.methods, darts_core.search.config; print('torch' in sys.modules)"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize("case", list(RECORDED))
def test_settings_as_recorded(case):
    """Same values, same key order (run.json `config`, checkpoint settings) as before the refactor."""
    recorded = RECORDED[case]
    got = json.loads(json.dumps(resolve_config(recorded["mapping"]).to_dict()))
    default = json.loads(json.dumps(SearchConfig().to_dict()))
    assert {k: got[k] for k in ADDED} == {k: default[k] for k in ADDED}
    assert [(k, v) for k, v in got.items() if k not in ADDED] == list(recorded["settings"].items())


def test_every_preset_recorded():
    added = {"preset setn", "preset enas", "preset drnas-progressive"}  # presets added since the recording
    assert {f"preset {p}" for p in PRESETS} - added <= set(RECORDED)
    assert [k for k in FIELDS if k not in ADDED] == list(RECORDED["preset darts"]["settings"])


def test_search_config_is_one_frozen_flat_dataclass():
    cfg = resolve_config({"preset": "gdas"})
    assert type(cfg) is SearchConfig and SearchConfig.__module__ == "darts_core.search.config"
    assert (cfg.tau_max, cfg.tau_min, cfg.method) == (10.0, 0.1, "gdas")
    with pytest.raises(dataclasses.FrozenInstanceError):
        cfg.tau_max = 1.0
    assert dataclasses.replace(cfg, tau_max=5.0).tau_max == 5.0


@pytest.mark.parametrize("mapping, message", [
    ({"tau_min": 0}, "tau_min must be > 0.0, got 0"),
    ({"tau_max": 0.05}, "tau_max (0.05) must be >= tau_min (0.1)"),
    ({"drnas_reg": "l1"}, "drnas_reg 'l1' is not one of l2, kl"),
    ({"rsps_select_num": 0}, "rsps_select_num must be >= 1, got 0"),
    ({"exclude_zero": "yes"}, "exclude_zero must be true or false, got 'yes'"),
    ({"single_level": True}, "single_level (ERM) is a GAEA option; method is 'darts-v1'"),
    ({"method": "rsps", "hessian_every": 1}, "hessian_every: rsps has no architecture parameters"),
    ({"method": "gdas", "space": "darts"}, "method gdas needs a one-op-per-edge forward"),
])
def test_checks_of_the_declarations(mapping, message):
    """Each method's own fields are checked whatever the config's method, with the messages of before."""
    with pytest.raises(DartsCoreError) as err:
        resolve_config(mapping)
    assert str(err.value).startswith(message)


def test_single_level_defaults_the_split_to_train():
    assert resolve_config({"preset": "gaea", "single_level": True}).search_split == "train"
    assert resolve_config({"preset": "gaea", "single_level": True, "search_split": "darts"}).search_split == "darts"
    assert resolve_config({"preset": "gaea"}).search_split == "nb201"


TOY = '''
from darts_core.methods.base import MethodSpec, Setting, as_int


class ToySpec(MethodSpec):
    def check(self, v):
        v["toy_k"] = as_int("toy_k", v["toy_k"], 1)


TOY = ToySpec("toy", "darts_core.search.darts:DartsV1", settings={"toy_k": Setting(3, "toy: a count")},
              presets={"toy": {"method": "toy", "toy_k": 7, "epochs": 2}})
'''

ADD_AND_USE = '''
import json
import darts_core.methods as methods
import toy_method

methods.METHODS["toy"] = toy_method.TOY  # the one registry line

from darts_core.errors import DartsCoreError
from darts_core.search.config import FIELDS, PRESETS, resolve_config

cfg = resolve_config({"preset": "toy"})
try:
    resolve_config({"toy_k": 0})
    error = None
except DartsCoreError as err:
    error = str(err)
print(json.dumps({"fields": list(FIELDS), "presets": list(PRESETS), "method": cfg.method, "toy_k": cfg.toy_k,
                  "epochs": cfg.epochs, "default": resolve_config({}).toy_k, "error": error,
                  "impl": methods.method_class("toy").__name__}))
'''


def test_a_method_added_with_one_registry_line(tmp_path):
    """A toy declaration (impl: DartsV1): its field joins SearchConfig, its preset and check work."""
    (tmp_path / "toy_method.py").write_text(TOY)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), str(REPO)])}
    out = subprocess.run([sys.executable, "-c", textwrap.dedent(ADD_AND_USE)], capture_output=True, text=True,
                         env=env, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    got = json.loads(out.stdout)
    assert got["fields"] == [*list(FIELDS)[:list(FIELDS).index("drop_path_prob")], "toy_k",
                             *list(FIELDS)[list(FIELDS).index("drop_path_prob"):]]
    assert got["presets"] == [*list(PRESETS)[:-2], "toy", "darts-space", "nb1shot1"]
    assert (got["method"], got["toy_k"], got["epochs"], got["default"]) == ("toy", 7, 2, 3)
    assert got["error"] == "toy_k must be >= 1, got 0" and got["impl"] == "DartsV1"


def test_checkpoint_settings_from_before_the_refactor_still_match(tmp_path):
    """A checkpoint written when drnas_progressive could only be false resumes as the plain DrNAS it is (the
    setting is a live one again); one written with true is not a plain DrNAS run."""
    from darts_core.search.state import check_same_config

    cfg = resolve_config({"preset": "drnas"})
    old = {**RECORDED["preset drnas"]["settings"], "drnas_progressive": False}
    check_same_config(old, cfg, tmp_path / "checkpoint.pt")
    with pytest.raises(DartsCoreError, match="was written with drnas_progressive=True"):
        check_same_config({**old, "drnas_progressive": True}, cfg, tmp_path / "checkpoint.pt")
