"""Run one configured simulation and write its run directory."""

from __future__ import annotations

import copy
import functools
import hashlib
import json
import stat
import threading
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

from sim.bounds import check_size
from sim.config import Config, WorldConfig, check_scenario_span
from sim.metrics import burden_correlation
from sim.model import AllianceModel
from sim.output import (
    SUMMARY,
    TABLES,
    check_writable,
    git_revision,
    input_files,
    input_hashes,
    table_hash,
    versions,
    write_graph,
    write_json,
    write_table,
)
from sim.worlds import MAP_FILE, World, load_world, world_files


@functools.cache
def _provenance() -> tuple[dict[str, str], str | None]:
    """Package versions and git revision, found once per process: a sweep worker runs many jobs
    with the code it imported at start (two git calls and nine metadata lookups per job cost
    ~30 ms), and that imported code is what the record must name."""
    return versions(), git_revision()


#: the worlds this process read from files, by their config and the bytes of their files,
#: oldest first; at most WORLDS_KEPT (a sweep reads one, the teaching page a few)
_WORLDS: dict[str, World] = {}
WORLDS_KEPT = 8
_WORLDS_LOCK = threading.Lock()  # the page builds models in several threads


def read_world(cfg: WorldConfig, seed: int = 0) -> World:
    """:func:`sim.worlds.load_world`, reading and validating each file-based world once per
    process: a copy of a world already read (one of the last :data:`WORLDS_KEPT`) when the world
    config and the content of every file it reads (:func:`sim.worlds.world_files`) are unchanged.

    A sweep's jobs and the teaching page's runs read a world again and again (~0.15-0.2 s of a
    0.3 s default-world job); the files' bytes are hashed for every call (~2 ms), so an edited
    file is read again, as the
    sweep's job identity would rerun the job. A synthetic world (drawn from ``seed``) and a world
    whose files cannot be read are loaded as before (the loader names the missing file). Each
    caller gets its own deep copy, so no model sees another's changes.
    """
    key = _world_key(cfg)
    if key is None:
        return load_world(cfg, seed)
    with _WORLDS_LOCK:
        world = _WORLDS.get(key)
    if world is None:
        world = load_world(cfg, seed)
        if _world_key(cfg) == key:  # no file changed while it was read
            with _WORLDS_LOCK:
                if len(_WORLDS) >= WORLDS_KEPT:
                    _WORLDS.pop(next(iter(_WORLDS)))  # the oldest
                _WORLDS[key] = world
    return copy.deepcopy(world)


def _world_key(cfg: WorldConfig) -> str | None:
    """The world config and the SHA-256 of each file it reads; None for a synthetic world or a
    file that cannot be read, or is not a regular file (reading a FIFO would block: the loader
    refuses it with its own message)."""
    files = world_files(cfg).paths()
    if not files:
        return None
    try:
        if not all(stat.S_ISREG(path.stat().st_mode) for path in files):
            return None
        digests = [hashlib.sha256(path.read_bytes()).hexdigest() for path in files]
    except OSError:
        return None
    return json.dumps([asdict(cfg), [str(p) for p in files], digests], default=str)


def build_model(cfg: Config, world: World | None = None) -> AllianceModel:
    """The model a config describes, before its first step (world loaded and validated, its
    size within the memory and time bounds of :func:`sim.bounds.check_size`).

    ``world``, if given, is ``cfg.world`` already loaded (a caller that builds many models of one
    world reads its files once); it is used as it is, so pass a copy if the caller keeps it.
    """
    m = cfg.model
    check_scenario_span(cfg.scenario, m.steps)
    if world is None:
        if cfg.world.name == "synthetic":  # before drawing the nations
            check_size(cfg.world.n, m.steps, m.record_every, "world.n")
        world = read_world(cfg.world, cfg.seed)
    where = "world.n" if cfg.world.name == "synthetic" else f"world={cfg.world.name}"
    if cfg.world.name == "custom":
        where = f"world.path: {cfg.world.path} lists"
    check_size(len(world.nations), m.steps, m.record_every, where)
    return AllianceModel(
        world,
        params=cfg.model,
        budget_rule=cfg.budget_rule,
        alliance_rule=cfg.alliance_rule,
        scenario=cfg.scenario,
        rng=cfg.seed,
    )


def run_inputs(cfg: Config) -> list[Path]:
    """Every file a run of ``cfg`` reads, each once: its world's (:func:`sim.worlds.world_files`,
    none for a synthetic world), any other file its config names (``alliance_rule.propensity``:
    :data:`sim.output.INPUT_KEYS`), the observed series when it scores a hindcast
    (:data:`sim.worlds.observed.SERIES_FILES`) and the map outlines when it draws the map."""
    files = world_files(cfg.world).paths()
    files += [Path(p) for p in input_files(asdict(cfg)).values()]
    if cfg.hindcast:
        from sim.worlds.observed import SERIES_FILES

        files += SERIES_FILES
    if cfg.figures and cfg.outputs == "full":
        files.append(MAP_FILE)
    return list(dict.fromkeys(files))


def check_run(cfg: Config) -> AllianceModel:
    """Every check a run makes before its first step, writing nothing: the world files, the
    scenario against the world, the rules' own checks (Richardson stability, a propensity
    matrix) and the hindcast's span. Returns the model, built and ready for its first step.

    :class:`sim.callbacks.ValidateConfig` calls it before Hydra creates the run directory, so a
    refused run leaves no ``.hydra/`` and no log.
    """
    if cfg.hindcast:
        from sim.hindcast import check_hindcast

        check_hindcast(cfg)
    return build_model(cfg)


def simulate(cfg: Config) -> AllianceModel:
    """Build the model and run it for ``cfg.model.steps`` years."""
    model = build_model(cfg)
    for _ in range(cfg.model.steps):
        model.step()
    return model


def final_metrics(model: AllianceModel) -> dict[str, float]:
    """The last world row, totals of tie changes, and the burden-sharing statistic."""
    world = model.world_table()
    last = world.iloc[-1]
    metrics = {
        k: float(last[k])
        for k in ("n_ties", "n_blocs", "polarity", "mean_share", "world_milex", "share_at_target")
    }
    metrics["ties_formed"] = float(world["ties_formed"].sum())
    metrics["ties_dissolved"] = float(world["ties_dissolved"].sum())
    allied = model.target > 0
    metrics["burden_correlation"] = burden_correlation(model.gdp[allied], model.share[allied])
    return {k: (None if not np.isfinite(v) else v) for k, v in metrics.items()}


def run(cfg: Config, run_dir: Path, resolved: dict[str, Any] | None = None) -> dict[str, Any]:
    """Simulate, then write the tables, graph, figures and (last) ``summary.json``.

    ``resolved`` is the resolved config to record (Hydra's); by default the dataclasses.
    Returns the summary.
    """
    started, cpu = time.perf_counter(), time.process_time()
    run_dir = Path(run_dir)
    (run_dir / SUMMARY).unlink(missing_ok=True)
    model = check_run(cfg)
    config = resolved if resolved is not None else asdict(cfg)
    inputs = input_hashes(config)  # the files as the model read them
    check_writable(run_dir)
    for stale in run_dir.glob("**/.*.tmp"):  # left by a run killed while writing
        stale.unlink(missing_ok=True)
    for _ in range(cfg.model.steps):
        model.step()
    model_cpu = time.process_time() - cpu
    full = cfg.outputs == "full"  # "metrics": summary.json and the world table only
    tables = {"world": model.world_table()}
    if full:
        tables = {
            "nations": model.nations_table(),
            **tables,
            "alliance_events": model.events_table(),
        }
    for name, frame in tables.items():
        write_table(frame, run_dir / f"{name}.parquet")
    for name in set(TABLES) - set(tables):  # a lean rerun leaves no table of an older run
        (run_dir / f"{name}.parquet").unlink(missing_ok=True)
    if not full:
        (run_dir / "alliances_final.graphml").unlink(missing_ok=True)
    if full:
        write_graph(model.graph, run_dir / "alliances_final.graphml")
    if cfg.figures and full:
        from sim.plots import run_figures

        run_figures(run_dir)
    hindcast = None
    if cfg.hindcast:
        from sim.hindcast import write_hindcast

        nations = tables["nations"] if full else model.nations_table()
        hindcast = write_hindcast(
            model, nations, run_dir, figures=cfg.figures, calibration=cfg.calibration
        )
    summary = {
        "seed": cfg.seed,
        "scenario": cfg.scenario.name,
        "world": {
            "name": model.world.name,
            "year": model.world.year,
            "n_nations": len(model.iso3),
            "content_hash": model.world.content_hash,
        },
        "steps": cfg.model.steps,
        "metrics": final_metrics(model),
        "tables": {f"{k}.parquet": table_hash(v) for k, v in tables.items()},
        "inputs": inputs,
        "config": config,
        "versions": dict(_provenance()[0]),
        "git_revision": _provenance()[1],
        "elapsed_s": round(time.perf_counter() - started, 3),
        "cpu_s": {"model": round(model_cpu, 4)},
    }
    if hindcast is not None:
        summary["hindcast"] = hindcast
    summary["cpu_s"]["write"] = round(time.process_time() - cpu - model_cpu, 4)
    write_json(summary, run_dir / SUMMARY)
    return summary
