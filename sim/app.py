"""The teaching page: move a control, press Reset, and watch budgets and blocs re-form.

Start it with ``make app`` (``solara run sim/app.py``) and open http://127.0.0.1:8765.

The page is a Mesa ``SolaraViz``. Its controls are turned into Hydra overrides and composed with
:func:`sim.config.compose`, and the model is built by :func:`sim.runner.build_model`: the page
runs exactly the model that ``python -m sim`` with the same overrides runs, and it shows that
command. The figures here are drawn from the live model (the run figures of :mod:`sim.plots`
are drawn from written tables); they reuse its projection and colours.

``SolaraViz`` rebuilds its model as ``type(model)(**controls)`` and reads ``model.scenario`` as a
Mesa scenario, so the page's model is :class:`ClassroomModel`, a small ``mesa.Model`` that holds
the configured :class:`~sim.model.AllianceModel` (``.sim``) and steps it. A control setting
that makes the configuration invalid leaves ``.sim`` empty and ``.error`` holding the one-line
message, which the page shows in place of the figures.
"""

from __future__ import annotations

import shlex
import threading
from dataclasses import dataclass
from typing import Any

import mesa
import numpy as np
import pandas as pd
import solara
from hydra.errors import HydraException
from matplotlib.figure import Figure
from mesa.visualization import SolaraViz
from mesa.visualization.utils import update_counter
from omegaconf import OmegaConf
from omegaconf.errors import OmegaConfBaseException

from sim.config import CONFIG_DIR, Config, compose
from sim.errors import USER_ERRORS
from sim.model import AllianceModel
from sim.plots import BLOC_COLOURS, MAJOR_COLOURS, draw_alliance_map, draw_blocs
from sim.runner import build_model

#: years a run on the page lasts (Play stops there)
APP_YEARS = 50
#: years over which a major power's spending moves to its multiplier (a linear path)
RAMP_YEARS = 5
#: the major powers whose spending the page controls: slider name -> ISO3 code
POWERS = {"us_spending": "USA", "china_spending": "CHN", "russia_spending": "RUS"}
#: nations drawn in the spending figure besides the major powers, until a student picks others
DEFAULT_NATIONS = ["DEU", "GBR", "POL", "JPN", "IND"]
#: ties formed in the run (dashed); treaty ties are thin grey
#: colours of the chosen nations in the spending figure (none close to a major power's)
OTHER_COLOURS = [BLOC_COLOURS[i] for i in (1, 2, 5, 6, 9, 8, 7)]
WORLDS = ["today", "y2014", "synthetic"]
SCENARIOS = sorted(p.stem for p in (CONFIG_DIR / "scenario").glob("*.yaml"))
#: compose() resets Hydra's global state; two sessions must not compose at once
_COMPOSE_LOCK = threading.Lock()


# ----------------------------------------------------------------------------- controls -> config


@dataclass(frozen=True)
class Controls:
    """The page's control values, in the units the sidebar shows."""

    world: str = "today"
    scenario: str = "baseline"
    us_spending: float = 1.0
    china_spending: float = 1.0
    russia_spending: float = 1.0
    threat_sensitivity: float = 0.04
    free_riding: float = 0.02
    form_threshold: float = 0.0
    break_threshold: float = -0.15
    seed: int = 0


def _hydra_value(value: Any) -> str:
    """One scalar in Hydra's override grammar."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        return repr(round(value, 6))
    return str(value)


def _schedule_override(schedules: list[dict[str, Any]]) -> str:
    items = [
        "{" + ",".join(f"{k}:{_hydra_value(v)}" for k, v in s.items() if v is not None) + "}"
        for s in schedules
    ]
    return "scenario.schedules=[" + ",".join(items) + "]"


def _scenario_file(scenario: str) -> dict[str, Any]:
    return OmegaConf.to_container(OmegaConf.load(CONFIG_DIR / "scenario" / f"{scenario}.yaml"))


def scenario_schedules(scenario: str) -> list[dict[str, Any]]:
    """The spending schedules ``configs/scenario/<scenario>.yaml`` declares, as plain dicts.

    A scenario written ``# @package _global_`` holds them under its ``scenario:`` key.
    """
    node = _scenario_file(scenario)
    node = node.get("scenario", node) if isinstance(node.get("scenario"), dict) else node
    return list(node.get("schedules") or [])


def scenario_budget_rule(scenario: str) -> str:
    """The budget rule a scenario selects (``override /budget_rule: NAME``), else the default."""
    for entry in _scenario_file(scenario).get("defaults") or []:
        if isinstance(entry, dict) and "override /budget_rule" in entry:
            return str(entry["override /budget_rule"])
    return "threat_response"


def overrides(c: Controls) -> list[str]:
    """The Hydra overrides that the controls stand for (what ``python -m sim`` would be given).

    A spending multiplier other than 1 puts that major power on a ``factor`` schedule: its share
    of GDP moves linearly to ``multiplier`` times its start value over :data:`RAMP_YEARS` years,
    then holds (0.5: "the US halves its spending"). It replaces any schedule the scenario gives
    the same nation; a multiplier of 1 leaves the scenario as it is. Threat sensitivity and free
    riding are terms of the ``threat_response`` budget rule; a scenario that selects another rule
    (``arms_race``: Richardson's) keeps its own coefficients.
    """
    out = [
        f"world={c.world}",
        f"scenario={c.scenario}",
        f"alliance_rule.form_threshold={_hydra_value(float(c.form_threshold))}",
        f"alliance_rule.break_threshold={_hydra_value(float(c.break_threshold))}",
        f"seed={int(c.seed)}",
        f"model.steps={APP_YEARS}",
    ]
    if scenario_budget_rule(c.scenario) == "threat_response":  # k and f are that rule's terms
        out[2:2] = [
            f"budget_rule.k={_hydra_value(float(c.threat_sensitivity))}",
            f"budget_rule.f={_hydra_value(float(c.free_riding))}",
        ]
    changed = {
        iso3: float(getattr(c, name))
        for name, iso3 in POWERS.items()
        if abs(float(getattr(c, name)) - 1.0) > 1e-9
    }
    if changed:
        kept = [s for s in scenario_schedules(c.scenario) if s.get("iso3") not in changed]
        added = [
            {"iso3": iso3, "start": 0, "years": RAMP_YEARS, "factor": m}
            for iso3, m in changed.items()
        ]
        out.append(_schedule_override(kept + added))
    return out


def configure(c: Controls) -> Config:
    """The typed config for the controls, through the same compose path as the CLI.

    Raises
    ------
    ConfigError
        naming the key when the controls make an invalid run (e.g. a break threshold above the
        form threshold).
    """
    with _COMPOSE_LOCK:
        return compose(overrides(c))


def cli_command(c: Controls) -> str:
    """The command that runs the page's model from a terminal."""
    return "python -m sim " + " ".join(shlex.quote(o) for o in overrides(c))


# ----------------------------------------------------------------------------- the page's model


class ClassroomModel(mesa.Model):
    """The model behind the page: the configured AllianceModel, stepped one year at a time.

    Parameters are the sidebar's controls (:class:`Controls`; the scenario is ``scenario_name``
    because Mesa reserves ``scenario`` for its own scenario objects). ``sim`` is the AllianceModel
    (``None`` when the controls are invalid; ``error`` then holds the message and ``running`` is
    false, so Step and Play do nothing until the controls are fixed and Reset is pressed).
    """

    def __init__(
        self,
        world: str = Controls.world,
        scenario_name: str = Controls.scenario,
        us_spending: float = Controls.us_spending,
        china_spending: float = Controls.china_spending,
        russia_spending: float = Controls.russia_spending,
        threat_sensitivity: float = Controls.threat_sensitivity,
        free_riding: float = Controls.free_riding,
        form_threshold: float = Controls.form_threshold,
        break_threshold: float = Controls.break_threshold,
        seed: int = Controls.seed,
    ) -> None:
        super().__init__(rng=int(seed))
        self.controls = Controls(
            world,
            scenario_name,
            float(us_spending),
            float(china_spending),
            float(russia_spending),
            float(threat_sensitivity),
            float(free_riding),
            float(form_threshold),
            float(break_threshold),
            int(seed),
        )
        self.sim: AllianceModel | None = None
        self.cfg: Config | None = None
        self.error: str | None = None
        try:
            self.cfg = configure(self.controls)
            self.sim = build_model(self.cfg)
        except (*USER_ERRORS, HydraException, OmegaConfBaseException) as exc:
            self.error = str(exc).strip().splitlines()[0]
            self.running = False

    def step(self) -> None:
        """One year of the AllianceModel; stops after :data:`APP_YEARS` years."""
        if self.sim is None:
            self.running = False
            return
        self.sim.step()
        self.running = self.sim.steps < APP_YEARS


# ----------------------------------------------------------------------------- figures


def _names(sim: AllianceModel) -> dict[str, str]:
    return dict(zip(sim.iso3, sim.world.nations["name"], strict=True))


def network_map(sim: AllianceModel, n_labels: int = 14) -> Figure:
    """The alliance network on a Robinson projection: area by capability, colour by bloc."""
    fig = Figure(figsize=(10, 5.4), dpi=100)
    ax = fig.add_axes((0, 0, 1, 0.93))
    nations = sim.world.nations.set_index("iso3")[["name", "lat", "lon", "major_power"]].assign(
        capability=sim.capability, bloc=sim.bloc
    )
    draw_alliance_map(ax, sim.graph, nations, sim.start_year + sim.steps, n_labels)
    return fig


def spending_history(sim: AllianceModel, codes: list[str]) -> pd.DataFrame:
    """Defence spending (% of GDP) by year (rows) and nation (columns), for ``codes``."""
    nations = sim.nations_table()
    nations = nations[nations["iso3"].isin(codes)]
    wide = nations.pivot(index="year", columns="iso3", values="share") * 100
    return wide[[c for c in codes if c in wide.columns]]


def spending_figure(sim: AllianceModel, chosen: list[str]) -> Figure:
    """Defence spending share over time: the major powers thick, the chosen nations thin."""
    majors = [sim.iso3[i] for i in np.flatnonzero(sim.major)]
    codes = majors + [c for c in chosen if c not in majors]
    wide = spending_history(sim, codes)
    names = _names(sim)
    fig = Figure(figsize=(6, 4.8), dpi=100)
    ax = fig.add_subplot()
    ax.axhline(2.0, color="0.5", lw=1, ls=":", label="NATO guideline (2% of GDP)")
    k = 0
    for code in wide.columns:
        if code in majors:
            colour, lw = MAJOR_COLOURS.get(code, "black"), 2.6
        else:
            colour, lw = OTHER_COLOURS[k % len(OTHER_COLOURS)], 1.4
            k += 1
        ax.plot(wide.index, wide[code], color=colour, lw=lw, marker=".", label=names[code])
    ax.set_xlim(sim.start_year - 0.5, sim.start_year + max(sim.steps, 10) + 0.5)
    ax.set_ylim(bottom=0)
    ax.set_xlabel("year")
    ax.set_ylabel("defence spending (% of GDP)")
    ax.set_title("Defence spending: major powers (thick) and chosen nations", fontsize=11)
    ax.legend(fontsize=8, frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.14), ncols=3)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def blocs_figure(sim: AllianceModel) -> Figure:
    """Blocs and polarity over time, with the ties formed and dissolved each year."""
    fig = Figure(figsize=(6, 4.8), dpi=100)
    top, bottom = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [2, 1]})
    draw_blocs(top, bottom, sim.world_table())
    bottom.set_xlim(sim.start_year - 0.5, sim.start_year + max(sim.steps, 10) + 0.5)
    fig.tight_layout()
    return fig


# ----------------------------------------------------------------------------- page components

#: the nations a student picked for the spending figure (a reactive value lives per session)
chosen_nations = solara.reactive(list(DEFAULT_NATIONS))


def _settings_line(c: Controls) -> str:
    powers = ", ".join(
        f"{label} x{getattr(c, name):g}"
        for name, label in zip(POWERS, ("US", "China", "Russia"), strict=True)
    )
    rule = scenario_budget_rule(c.scenario)
    budget = (
        f"threat sensitivity k={c.threat_sensitivity:g} · free riding f={c.free_riding:g}"
        if rule == "threat_response"
        else f"budget rule {rule} (set by the scenario: k and f do not apply)"
    )
    return (
        f"world {c.world} · scenario {c.scenario} · spending {powers} · {budget} · "
        f"form threshold {c.form_threshold:g} · break threshold {c.break_threshold:g} · "
        f"seed {c.seed}"
    )


@solara.component
def StatusPanel(model: ClassroomModel) -> None:
    """What is running (the controls in effect, the CLI command) and where it stands."""
    update_counter.get()
    with solara.Column(style={"padding": "8px"}):
        solara.Text(f"Current run: {_settings_line(model.controls)}", classes=["run-settings"])
        if model.error is not None:
            solara.Error(
                f"This combination of controls is not a valid run: {model.error}. "
                "Change the controls on the left and press Reset.",
                classes=["run-error"],
            )
            return
        sim = model.sim
        world = sim.world_table().iloc[-1]
        formed = int(sim.world_table()["ties_formed"].sum())
        dissolved = int(sim.world_table()["ties_dissolved"].sum())
        solara.Markdown(
            f"### Year {sim.start_year + sim.steps} · step {sim.steps} of {APP_YEARS}\n"
            f"{len(sim.iso3)} nations · {int(world['n_ties'])} alliance ties "
            f"({formed} formed and {dissolved} dissolved in this run) · "
            f"{int(world['n_blocs'])} blocs · polarity {world['polarity']:.2f} · "
            f"mean defence spending {100 * world['mean_share']:.2f}% of GDP · "
            f"allies at their guideline {100 * world['share_at_target']:.0f}%"
        )
        solara.Text(f"step {sim.steps}", classes=["run-step"], style={"display": "none"})
        solara.Markdown(
            "Move a control on the left, then press **Reset** to start again with it; "
            "**Step** advances one year, **▶** plays. Spending multipliers: 0.5 means the "
            f"power halves its defence share of GDP over {RAMP_YEARS} years (1 = as the "
            "scenario says). Same run from a terminal:"
        )
        solara.Text(
            cli_command(model.controls),
            classes=["run-command"],
            style={"font-family": "monospace", "font-size": "12px", "word-break": "break-all"},
        )


@solara.component
def MapPanel(model: ClassroomModel) -> None:
    """The alliance network on the world map."""
    update_counter.get()
    if model.sim is None:
        return
    solara.FigureMatplotlib(
        network_map(model.sim),
        format="png",
        bbox_inches="tight",
        dependencies=[id(model), model.sim.steps],
    )


@solara.component
def SpendingPanel(model: ClassroomModel) -> None:
    """Spending shares over time, with a picker for the nations drawn besides the majors."""
    update_counter.get()
    if model.sim is None:
        return
    sim = model.sim
    names = _names(sim)
    by_name = {v: k for k, v in names.items()}
    choices = sorted(names[c] for i, c in enumerate(sim.iso3) if not sim.major[i])
    chosen = [c for c in chosen_nations.value if c in names and c not in POWERS.values()]
    if not chosen:  # a world without the defaults (synthetic): its largest spenders
        order = np.argsort(-(sim.share * sim.gdp))
        chosen = [sim.iso3[i] for i in order if not sim.major[i]][:4]
    solara.SelectMultiple(
        "Nations to compare with the major powers",
        values=[names[c] for c in chosen],
        all_values=choices,
        on_value=lambda picked: chosen_nations.set([by_name[p] for p in picked]),
        dense=True,
    )
    solara.FigureMatplotlib(
        spending_figure(sim, chosen),
        format="png",
        bbox_inches="tight",
        dependencies=[id(model), sim.steps, tuple(chosen)],
    )


@solara.component
def BlocsPanel(model: ClassroomModel) -> None:
    """Blocs, polarity and tie changes over time."""
    update_counter.get()
    if model.sim is None:
        return
    solara.FigureMatplotlib(
        blocs_figure(model.sim),
        format="png",
        bbox_inches="tight",
        dependencies=[id(model), model.sim.steps],
    )


MODEL_PARAMS: dict[str, dict[str, Any]] = {
    "world": {"type": "Select", "value": "today", "values": WORLDS, "label": "World"},
    "scenario_name": {
        "type": "Select",
        "value": "baseline",
        "values": SCENARIOS,
        "label": "Scenario",
    },
    "us_spending": {
        "type": "SliderFloat",
        "value": 1.0,
        "min": 0.25,
        "max": 3.0,
        "step": 0.25,
        "label": "US spending (x start share)",
    },
    "china_spending": {
        "type": "SliderFloat",
        "value": 1.0,
        "min": 0.25,
        "max": 3.0,
        "step": 0.25,
        "label": "China spending (x start share)",
    },
    "russia_spending": {
        "type": "SliderFloat",
        "value": 1.0,
        "min": 0.25,
        "max": 3.0,
        "step": 0.25,
        "label": "Russia spending (x start share)",
    },
    "threat_sensitivity": {
        "type": "SliderFloat",
        "value": 0.04,
        "min": 0.0,
        "max": 0.2,
        "step": 0.01,
        "label": "Threat sensitivity k",
    },
    "free_riding": {
        "type": "SliderFloat",
        "value": 0.02,
        "min": 0.0,
        "max": 0.1,
        "step": 0.005,
        "label": "Free riding f",
    },
    "form_threshold": {
        "type": "SliderFloat",
        "value": 0.0,
        "min": -0.3,
        "max": 0.5,
        "step": 0.05,
        "label": "Alliance form threshold",
    },
    "break_threshold": {
        "type": "SliderFloat",
        "value": -0.15,
        "min": -0.6,
        "max": 0.2,
        "step": 0.05,
        "label": "Alliance break threshold",
    },
    "seed": {"type": "SliderInt", "value": 0, "min": 0, "max": 20, "step": 1, "label": "Seed"},
}


@solara.component
def Figures(model: ClassroomModel) -> None:
    """The main area: status and help, the map across the page, then the two time series."""
    with solara.Column(style={"width": "100%", "max-width": "1500px"}):
        with solara.Card():
            StatusPanel(model)
        with solara.Card():
            MapPanel(model)
        with solara.Columns([1, 1]):
            with solara.Card():
                SpendingPanel(model)
            with solara.Card():
                BlocsPanel(model)
        with solara.Card("What the controls mean"):
            solara.Markdown(CONTROLS_HELP)


CONTROLS_HELP = f"""
- **World**: *today* (2024 figures), *y2014* (2014, before Crimea) or *synthetic* (60 invented
  nations; the three largest play the US, China and Russia).
- **Scenario**: a story from `configs/scenario/` (e.g. *us_retrenchment*: the US falls to 2% of
  GDP over ten years; *china_rise*: China's budget grows 7% a year).
- **US / China / Russia spending**: a multiplier of that power's defence spending as a share of
  GDP, reached over {RAMP_YEARS} years and then held: 0.5 halves it, 2 doubles it, 1 leaves the
  scenario as it is. The other nations decide their budgets themselves.
- **Threat sensitivity k**: how strongly a nation arms when threatened (Walt's balance of threat).
- **Free riding f**: how strongly a nation cuts its budget when its allies are strong
  (Olson and Zeckhauser's free riding).
- **Alliance form / break threshold**: two nations ally when both value the tie above the form
  threshold; a tie breaks after years below the break threshold, which must not be above the
  form threshold.
- **Seed**: the random draws; the same settings and seed give the same run.
"""


@solara.component
def Page() -> None:
    """SolaraViz's sidebar (controls, Step, Play, Reset) and the page's own figures.

    The model is a reactive value owned here: SolaraViz's Reset replaces it, and the figures,
    which read it, follow.
    """
    initial = solara.use_memo(ClassroomModel, [])
    model = solara.use_reactive(initial)
    SolaraViz(
        model,
        components=[],
        model_params=MODEL_PARAMS,
        name="Alliances and defence spending: a classroom simulator",
        play_interval=300,
    )
    Figures(model.value)


__all__ = ["ClassroomModel", "Controls", "Page", "cli_command", "configure", "overrides"]
