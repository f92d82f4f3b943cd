"""Algorithm 2 (multiple-point selective stop): evaluate many stop criteria on one finished run.

`evaluate(run, criteria=None, *, genotypes=None, hessian=None, space=None, total_epochs=None) -> DataFrame`
with columns STOP_COLUMNS = `criterion, epoch, arch, met, note` (the stops table, `stops.csv`); the
benchmark lookup (darts_core.benchmark.lookup.lookup_stops, see `add_lookups`) appends accuracy columns.
`run` is a run directory (alphas.parquet, genotypes.csv, hessian.csv, run.json; each optional, at least one
of the first two) or a tidy alpha DataFrame.

Criteria (strings):
- `final`: the last epoch of the run.
- `ss_peak:<op>[@cell]`, `ss_residual:<op>[@cell]`: Eq. 12 / Eq. 13 (selective_stop), cell default normal.
- `darts+_sc:<k>`, `darts+_rt:<k>`: DARTS+ (darts_plus).
- `darts_es[:key=value,...]`: RobustDARTS EVLocalAvg on hessian.csv (darts_es); keys window, ev_freq,
  start (es_start_epoch), delta, factor; defaults 5, inferred (2), 10, 4, 1.3.
Rows: `epoch` is where the criterion stops; never met -> the run's final epoch with `met` False; a
criterion the run lacks the data for (no alphas, no hessian.csv, op not in the space) -> `epoch` empty,
`arch` empty, `met` False and a note starting "not computable" (so are SS and DARTS+ rt on runs of methods
without architecture parameters, RSPS: "not computable: not applicable to rsps ..."). `arch` is the
architecture at `epoch`:
genotypes.csv's entry if the run has one for that epoch (the search derives it from that epoch's alphas),
otherwise derived from the alphas by the space module (space_info).
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from darts_core import runlog
from darts_core.errors import DartsCoreError
from darts_core.spaces import darts as darts_space
from darts_core.spaces import nb201
from darts_core.stops import Stop, darts_es, darts_plus, selective_stop, space_info
from darts_core.stops.magnitudes import magnitudes

STOP_COLUMNS = ("criterion", "epoch", "arch", "met", "note")
STOPS = "stops.csv"
DEFAULT_CRITERIA: tuple[str, ...] = (  # NAS-Bench-201, the paper's Table 2/3 settings
    "final", "ss_peak:nor_conv_3x3", "ss_residual:nor_conv_3x3",
    "darts+_sc:2", "darts+_sc:4", "darts+_rt:2", "darts+_rt:4", "darts+_rt:10", "darts_es",
)
DEFAULT_CRITERIA_BY_SPACE: dict[str, tuple[str, ...]] = {
    "nb201": DEFAULT_CRITERIA,
    "darts": ("final", "ss_peak:sep_conv_3x3", "ss_residual:sep_conv_3x3", "darts+_sc:2", "darts+_rt:10", "darts_es"),
}
FORMS = "final, ss_peak:<op>[@cell], ss_residual:<op>[@cell], darts+_sc:<k>, darts+_rt:<k>, darts_es[:key=value,...]"
_ES_KEYS = {"window": "window", "ev_freq": "ev_freq", "start": "es_start_epoch", "es_start_epoch": "es_start_epoch",
            "delta": "delta", "factor": "factor"}


@dataclass(frozen=True)
class Criterion:
    text: str
    kind: str  # final | ss_peak | ss_residual | darts+_sc | darts+_rt | darts_es
    op: str | None = None
    cell: str = "normal"
    k: int | None = None
    options: dict = field(default_factory=dict)


def parse_criterion(text: str) -> Criterion:
    text = str(text).strip()
    name, _, arg = text.partition(":")
    if name == "final" and not arg:
        return Criterion(text, "final")
    if name in ("ss_peak", "ss_residual"):
        op, _, cell = arg.partition("@")
        if not re.fullmatch(r"[A-Za-z0-9_]+", op or ""):
            raise DartsCoreError(f"criterion {text!r}: give the op, e.g. {name}:nor_conv_3x3")
        cell = cell or "normal"
        if cell not in ("normal", "reduce"):
            raise DartsCoreError(f"criterion {text!r}: cell must be normal or reduce")
        return Criterion(text, name, op=op, cell=cell)
    if name in ("darts+_sc", "darts+_rt"):
        if not re.fullmatch(r"[1-9][0-9]*", arg):
            raise DartsCoreError(f"criterion {text!r}: k must be a positive integer, e.g. {name}:2")
        return Criterion(text, name, k=int(arg))
    if name == "darts_es":
        opts = {}
        for part in filter(None, arg.split(",")):
            key, eq, value = part.partition("=")
            if not eq or key.strip() not in _ES_KEYS:
                raise DartsCoreError(f"criterion {text!r}: options are key=value with key in {', '.join(sorted(_ES_KEYS))}")
            try:
                num = float(value)
            except ValueError:
                raise DartsCoreError(f"criterion {text!r}: {key} needs a number, got {value!r}") from None
            opts[_ES_KEYS[key.strip()]] = num if key.strip() == "factor" else int(num)
        return Criterion(text, "darts_es", options=opts)
    raise DartsCoreError(f"unknown stop criterion {text!r}; forms: {FORMS}")


def check_online_stop(spec: str, patience: int, ops) -> Criterion:
    """An online stop spec (search setting `online_stop`) checked against the run's op list and patience;
    resolve_config calls it, so a bad spec fails before the search starts, not in the search job."""
    c = parse_criterion(spec)
    ops, patience = tuple(ops), int(patience)
    if c.kind in ("ss_peak", "ss_residual"):
        if c.op not in ops:
            raise DartsCoreError(f"online stop {spec!r}: op {c.op!r} is not searched (ops: {', '.join(ops)})")
        if patience < 1:
            raise DartsCoreError(f"online stop {spec!r} needs patience >= 1 to declare a peak, got {patience}")
    elif patience < 0:
        raise DartsCoreError(f"online stop {spec!r}: patience must be >= 0, got {patience}")
    return c


def default_criteria(space: str) -> tuple[str, ...]:
    return DEFAULT_CRITERIA_BY_SPACE[space_info.family(space)]


# --- run data ------------------------------------------------------------------------------------
@dataclass
class RunData:
    alphas: pd.DataFrame | None
    genotypes: pd.Series | None  # epoch -> arch
    hessian: pd.DataFrame | None
    info: space_info.SpaceInfo
    total_epochs: int | None = None
    name: str = "run"
    method: str | None = None  # run.json config.method, when known
    _arch_cache: dict = field(default_factory=dict)
    _mags: pd.DataFrame | None = None

    @property
    def final_epoch(self) -> int:
        epochs = []
        if self.alphas is not None:
            epochs.append(int(self.alphas["epoch"].max()))
        if self.genotypes is not None and len(self.genotypes):
            epochs.append(int(self.genotypes.index.max()))
        return max(epochs)

    def arch_at(self, epoch: int) -> str | None:
        if epoch in self._arch_cache:
            return self._arch_cache[epoch]
        arch = None
        if self.genotypes is not None and epoch in self.genotypes.index:
            arch = str(self.genotypes.loc[epoch])
        elif self.alphas is not None and (self.alphas["epoch"] == epoch).any():
            arch = self.info.arch(self.alphas, epoch)
        self._arch_cache[epoch] = arch
        return arch

    def epochs_with_arch(self) -> list[int]:
        seen = set()
        if self.genotypes is not None:
            seen |= set(int(e) for e in self.genotypes.index)
        if self.alphas is not None:
            seen |= set(int(e) for e in self.alphas["epoch"].unique())
        return sorted(seen)

    @property
    def mags(self) -> pd.DataFrame:
        if self._mags is None:
            self._mags = magnitudes(self.alphas)
        return self._mags


def _read_csv(path: Path) -> pd.DataFrame:
    try:
        return pd.read_csv(path)
    except pd.errors.EmptyDataError:
        raise DartsCoreError(f"{path} is empty") from None
    except (UnicodeDecodeError, pd.errors.ParserError) as err:
        raise DartsCoreError(f"{path} is not a readable CSV ({type(err).__name__})") from None


def read_genotypes(path: str | os.PathLike) -> pd.Series:
    path = Path(path)
    df = _read_csv(path)
    missing = [c for c in runlog.GENOTYPE_COLUMNS if c not in df.columns]
    if missing:
        raise DartsCoreError(f"genotypes {path}: missing column(s) {', '.join(missing)}")
    if df.empty:
        raise DartsCoreError(f"genotypes {path}: no rows")
    bad = df.index[df["arch"].isna() | (df["arch"].astype(str).str.strip() == "")]
    if len(bad):
        raise DartsCoreError(f"genotypes {path}: row {int(bad[0])} has no arch")
    dup = df.index[df["epoch"].duplicated()]
    if len(dup):
        raise DartsCoreError(f"genotypes {path}: row {int(dup[0])} repeats epoch {int(df['epoch'].iloc[dup[0]])}")
    # every arch parses in the space of the first (a malformed one would reach the stops table and fail
    # only in the look-up or retrain job); a space's parser names the string and what is wrong with it
    parse = darts_space.parse_genotype if space_info.family_of_arch(df["arch"].iloc[0]) == "darts" else nb201.parse_arch
    for row, arch in enumerate(df["arch"].astype(str)):
        try:
            parse(arch)
        except DartsCoreError as err:
            raise DartsCoreError(f"genotypes {path}: row {row}: {err}") from None
    return pd.Series(df["arch"].astype(str).to_numpy(), index=df["epoch"].astype(int).to_numpy(), name="arch").sort_index()


def _run_json(run_dir: Path) -> dict:
    path = run_dir / runlog.RUN_INFO
    if not path.is_file():
        return {}
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError as err:
        raise DartsCoreError(f"{path} is not valid JSON ({err})") from None


def load_run(run_dir: str | os.PathLike) -> RunData:
    """Read a run directory's products (each checked; errors name the file and row)."""
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise DartsCoreError(f"run directory {run_dir} does not exist")
    info_json = _run_json(run_dir)
    cfg = info_json.get("config", {}) if isinstance(info_json.get("config"), dict) else {}
    declared = cfg.get("space")
    try:
        fam = space_info.family(declared) if declared else None
    except DartsCoreError as err:
        raise DartsCoreError(f"{run_dir / runlog.RUN_INFO}: config.space: {err}") from None
    alphas = genotypes = hessian = None
    if (run_dir / runlog.ALPHAS).is_file():
        known = space_info.KNOWN_OPS[fam] if fam else tuple(dict.fromkeys(space_info.KNOWN_OPS["nb201"] + space_info.KNOWN_OPS["darts"]))
        alphas = runlog.read_alphas(run_dir / runlog.ALPHAS, known)
    if (run_dir / runlog.GENOTYPES).is_file():
        genotypes = read_genotypes(run_dir / runlog.GENOTYPES)
    if (run_dir / runlog.HESSIAN).is_file():
        hessian = darts_es.check_hessian(_read_csv(run_dir / runlog.HESSIAN), str(run_dir / runlog.HESSIAN))
    if alphas is None and genotypes is None:
        raise DartsCoreError(f"run {run_dir}: neither {runlog.ALPHAS} nor {runlog.GENOTYPES} exists")
    try:
        info = _space(alphas, genotypes, declared)
    except DartsCoreError as err:  # name the file whose rows do not fit a space
        what, name = ("alpha log", runlog.ALPHAS) if alphas is not None else ("genotypes", runlog.GENOTYPES)
        raise DartsCoreError(f"{what} {run_dir / name}: {str(err).removeprefix('alpha log: ')}") from None
    total = cfg.get("epochs")
    return RunData(alphas, genotypes, hessian, info, int(total) if total else None, name=str(run_dir),
                   method=cfg.get("method"))


def _space(alphas, genotypes, declared) -> space_info.SpaceInfo:
    if alphas is not None:
        return space_info.from_alphas(alphas, declared)
    fam = space_info.family(declared) if declared else space_info.family_of_arch(genotypes.iloc[0])
    return space_info.genotype_only(fam)


def _as_run(run, genotypes, hessian, space, total_epochs) -> RunData:
    if isinstance(run, (str, os.PathLike)):
        data = load_run(run)
        if genotypes is not None:
            data.genotypes = genotypes
        if hessian is not None:
            data.hessian = darts_es.check_hessian(hessian)
        if total_epochs is not None:
            data.total_epochs = int(total_epochs)
        return data
    alphas = run
    if alphas is not None:
        if not isinstance(alphas, pd.DataFrame):
            raise DartsCoreError(f"evaluate: run must be a run directory or an alpha DataFrame, got {type(run).__name__}")
        missing = [c for c in runlog.ALPHA_COLUMNS if c not in alphas.columns]
        if missing:
            raise DartsCoreError(f"alpha log: missing column(s) {', '.join(missing)}")
    if genotypes is not None and isinstance(genotypes, pd.DataFrame):
        genotypes = pd.Series(genotypes["arch"].astype(str).to_numpy(), index=genotypes["epoch"].astype(int).to_numpy())
    if alphas is None and genotypes is None:
        raise DartsCoreError("evaluate: give alphas or genotypes")
    info = _space(alphas, genotypes, space)
    h = darts_es.check_hessian(hessian) if hessian is not None else None
    return RunData(alphas, genotypes, h, info, int(total_epochs) if total_epochs else None)


# --- evaluation ----------------------------------------------------------------------------------
def _not_computable(c: Criterion, why: str) -> dict:
    return {"criterion": c.text, "epoch": pd.NA, "arch": "", "met": False, "note": f"not computable: {why}"}


# criteria that read the dynamics of architecture parameters: not applicable to methods without them
# (darts_core.search.registry.NO_ARCH_PARAMETERS, e.g. RSPS, whose alpha log records its picks)
_ALPHA_DYNAMICS = ("ss_peak", "ss_residual", "darts+_rt")


def _no_arch_parameters(method) -> bool:
    from darts_core.search.registry import NO_ARCH_PARAMETERS

    return method in NO_ARCH_PARAMETERS


def _one(c: Criterion, run: RunData) -> dict:
    final = run.final_epoch
    if c.kind in _ALPHA_DYNAMICS and _no_arch_parameters(run.method):
        return _not_computable(c, f"not applicable to {run.method}, which has no architecture parameters (its alpha "
                                  "log records the architecture it selects, darts_core/search/rsps.py)")
    if c.kind == "final":
        stop = Stop(final, True, "last epoch of the run")
    elif c.kind in ("ss_peak", "ss_residual"):
        if run.alphas is None:
            return _not_computable(c, "the run has no alphas (genotypes only)")
        if c.cell not in run.info.cells:
            return _not_computable(c, f"the run has no {c.cell} cell")
        if c.op not in run.info.cell_ops(c.cell):
            return _not_computable(c, f"op {c.op} is not in this run's {c.cell} cell ({', '.join(run.info.cell_ops(c.cell))})")
        fn = selective_stop.ss_peak if c.kind == "ss_peak" else selective_stop.ss_residual
        stop = fn(run.mags, c.op, c.cell)
    elif c.kind == "darts+_sc":
        epochs = [e for e in run.epochs_with_arch() if e >= 1]
        if not epochs:
            return _not_computable(c, "no architecture after epoch 0")
        archs = _LazyArchs(run, epochs)
        stop = darts_plus.sc_stop(archs.series(c.k), c.k, run.info.skip_connects)
    elif c.kind == "darts+_rt":
        if run.alphas is None:
            return _not_computable(c, "the run has no alphas (genotypes only)")
        stop = darts_plus.rt_stop(run.info.rankings(run.alphas), c.k)
    elif c.kind == "darts_es":
        if run.hessian is None or run.hessian.empty:
            return _not_computable(c, "the run has no dominant eigenvalues (hessian.csv)")
        total = run.total_epochs or final
        stop = darts_es.darts_es_stop(run.hessian, total, **c.options)
    else:  # pragma: no cover - parse_criterion guards this
        raise DartsCoreError(f"unknown criterion kind {c.kind}")
    if stop.epoch is None:
        return _not_computable(c, stop.note)
    epoch = stop.epoch if stop.met else final
    note = stop.note if stop.met else f"never met, final epoch used: {stop.note}"
    arch = run.arch_at(epoch)
    if arch is None:
        return {"criterion": c.text, "epoch": epoch, "arch": "", "met": bool(stop.met),
                "note": f"{note}; no architecture recorded for epoch {epoch}"}
    return {"criterion": c.text, "epoch": epoch, "arch": arch, "met": bool(stop.met), "note": note}


class _LazyArchs:
    """epoch -> arch, derived on demand (sc stops at the first hit; derive only as far as needed)."""

    def __init__(self, run: RunData, epochs: list[int]):
        self.run, self.epochs = run, epochs

    def series(self, k: int) -> pd.Series:
        values, index = [], []
        for e in self.epochs:
            arch = self.run.arch_at(e)
            if arch is None:
                continue
            index.append(e)
            values.append(arch)
            if self.run.info.skip_connects(arch) >= k:
                break
        return pd.Series(values, index=index, dtype=object)


def evaluate(run, criteria=None, *, genotypes=None, hessian=None, space: str | None = None,
             total_epochs: int | None = None) -> pd.DataFrame:
    """The stops table of one run (see module doc). `criteria` None -> the space's defaults."""
    data = _as_run(run, genotypes, hessian, space, total_epochs)
    if criteria is None:
        criteria = default_criteria(data.info.family)
    if isinstance(criteria, str):
        criteria = [criteria]
    parsed = [parse_criterion(c) for c in criteria]
    known = space_info.KNOWN_OPS[data.info.family]
    for c in parsed:  # a typo, not an op this run happens not to search (that one is "not computable")
        if c.op is not None and c.op not in known:
            raise DartsCoreError(f"criterion {c.text!r}: no {data.info.family} space has op {c.op!r} "
                                 f"(ops: {', '.join(known)})")
    rows = [_one(c, data) for c in parsed]
    out = pd.DataFrame(rows, columns=list(STOP_COLUMNS))
    out["epoch"] = out["epoch"].astype("Int64")
    out["met"] = out["met"].astype(bool)
    return out


def write_stops(stops: pd.DataFrame, path: str | os.PathLike) -> Path:
    return runlog.write_table(stops, path)


def add_lookups(stops: pd.DataFrame, table: pd.DataFrame) -> pd.DataFrame:
    """Append the NB201 benchmark columns (darts_core.benchmark.lookup.lookup_stops) to the rows that have
    an NB201 arch; other rows (not computable, DARTS-space genotypes) get empty values."""
    from darts_core.benchmark.lookup import lookup_stops

    has = stops["arch"].astype(str).str.startswith("|").to_numpy()
    if not has.any():
        raise DartsCoreError("no NAS-Bench-201 architecture in the stops table: nothing to look up")
    out = stops.copy().reset_index(drop=True)
    found = lookup_stops(out[has].reset_index(drop=True), table)
    for col in [c for c in found.columns if c not in out.columns]:
        out[col] = np.nan
        out.loc[has, col] = found[col].to_numpy(dtype=np.float64)
    if "index" in out.columns:
        out["index"] = out["index"].astype("Int64")
    return out
