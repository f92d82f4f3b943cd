"""A finished run's products as the post-hoc criteria read them (posthoc.evaluate).

`load_run(run_dir) -> RunData` reads alphas.parquet, genotypes.csv, hessian.csv and run.json (each
optional, at least one of the first two; each checked, errors name the file and row); `as_run(...)` also
takes a tidy alpha DataFrame. `RunData.arch_at(epoch)`: genotypes.csv's entry if the run has one for that
epoch (the search derives it from that epoch's alphas), otherwise derived from the alphas by the space
module (space_info).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from darts_core import runlog
from darts_core.errors import DartsCoreError
from darts_core.spaces import Space, families, get_family, space_of_arch
from darts_core.stops import darts_es, space_info
from darts_core.stops.magnitudes import magnitudes


@dataclass
class RunData:
    """What a criterion's `posthoc` reads (criteria/base.py `needs` names the optional parts)."""

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


def known_ops(space: Space | None) -> tuple[str, ...]:
    """Every op a space of `space`'s family can have (None: of any family); the criteria ask only here."""
    if space is not None:
        return space.known_ops
    return tuple(dict.fromkeys(op for s in families() for op in s.known_ops))


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
    parse = space_of_arch(df["arch"].iloc[0]).parse_arch
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
        fam = get_family(declared) if declared else None
    except DartsCoreError as err:
        raise DartsCoreError(f"{run_dir / runlog.RUN_INFO}: config.space: {err}") from None
    alphas = genotypes = hessian = None
    if (run_dir / runlog.ALPHAS).is_file():
        alphas = runlog.read_alphas(run_dir / runlog.ALPHAS, known_ops(fam))
    if (run_dir / runlog.GENOTYPES).is_file():
        genotypes = read_genotypes(run_dir / runlog.GENOTYPES)
    if (run_dir / runlog.HESSIAN).is_file():
        hessian = darts_es.check_hessian(_read_csv(run_dir / runlog.HESSIAN), str(run_dir / runlog.HESSIAN))
    if alphas is None and genotypes is None:
        raise DartsCoreError(f"run {run_dir}: neither {runlog.ALPHAS} nor {runlog.GENOTYPES} exists")
    if alphas is not None and genotypes is not None and info_json.get("status") != "imported":
        # a search writes both from one record, epoch by epoch (an import may map them differently: run.json says)
        a_epochs, g_epochs = set(alphas["epoch"].astype(int)), set(genotypes.index)
        if a_epochs != g_epochs:
            only = sorted(a_epochs ^ g_epochs)[0]
            where = runlog.ALPHAS if only in a_epochs else runlog.GENOTYPES
            raise DartsCoreError(f"run {run_dir}: {runlog.GENOTYPES} has epochs {min(g_epochs)}..{max(g_epochs)} "
                                 f"({len(g_epochs)}), {runlog.ALPHAS} {min(a_epochs)}..{max(a_epochs)} ({len(a_epochs)}): "
                                 f"epoch {only} is only in {where}; the two files are not of one search")
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
    return space_info.genotype_only(get_family(declared) if declared else space_of_arch(genotypes.iloc[0]))


def as_run(run, genotypes, hessian, space, total_epochs) -> RunData:
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
