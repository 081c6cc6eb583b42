"""The page's controls: allowed values, server-side validation, Hydra overrides, settings link.

Nothing a browser sends is trusted. Every value goes through :func:`validate`, which checks it
against the control's allowed set or range and grid and returns a :class:`Controls`, or raises
:class:`ControlError` naming the control; the page then shows the message and keeps its state.
The controls become Hydra overrides (:func:`overrides`) composed by :func:`sim.config.compose`,
exactly what ``python -m sim`` with the same overrides runs (:func:`cli_command`).
"""

from __future__ import annotations

import copy
import math
import re
import shlex
import threading
from dataclasses import asdict, dataclass, fields, replace
from functools import cache
from typing import Any
from urllib.parse import parse_qsl, urlencode

from omegaconf import OmegaConf

from sim.config import CONFIG_DIR, Config, ScheduleConfig, compose
from sim.rules.threat_response import ThreatResponseConfig
from sim.rules.utility import UtilityConfig

#: years a run on the page lasts
APP_YEARS = 50
#: years over which a major power's spending moves to its multiplier (a linear path)
RAMP_YEARS = 5
#: the major powers whose spending the page controls: control name -> ISO3 code
POWERS = {"us_spending": "USA", "china_spending": "CHN", "russia_spending": "RUS"}
#: the worlds a class can start from (a custom world needs a file: not offered)
WORLDS = sorted(p.stem for p in (CONFIG_DIR / "world").glob("*.yaml") if p.stem not in ("custom",))
SCENARIOS = sorted(p.stem for p in (CONFIG_DIR / "scenario").glob("*.yaml"))
#: compose() resets Hydra's global state; two sessions must not compose at once
_COMPOSE_LOCK = threading.Lock()


class ControlError(ValueError):
    """A control value outside its allowed set, range or grid; the message names the control."""


@dataclass(frozen=True)
class Range:
    """An allowed numeric range ``[lo, hi]`` on a grid of ``step`` from ``lo``."""

    lo: float
    hi: float
    step: float
    label: str
    integer: bool = False


#: every numeric control: its range, grid and label (what the sidebar's sliders offer)
RANGES: dict[str, Range] = {
    "us_spending": Range(0.25, 3.0, 0.25, "US spending (x its start share of GDP)"),
    "china_spending": Range(0.25, 3.0, 0.25, "China spending (x its start share)"),
    "russia_spending": Range(0.25, 3.0, 0.25, "Russia spending (x its start share)"),
    "threat_sensitivity": Range(0.0, 0.2, 0.01, "Threat sensitivity k"),
    "free_riding": Range(0.0, 0.1, 0.005, "Free riding f"),
    "form_threshold": Range(-0.3, 0.5, 0.05, "Alliance form threshold"),
    "break_threshold": Range(-0.6, 0.2, 0.05, "Alliance break threshold"),
    "seed": Range(0, 20, 1, "Seed", integer=True),
}
#: every control with a fixed set of values
CHOICES: dict[str, list[str]] = {"world": WORLDS, "scenario": SCENARIOS}


@dataclass(frozen=True)
class Controls:
    """The page's control values, in the units the sidebar shows (always valid: see validate)."""

    world: str = "today"
    scenario: str = "baseline"
    us_spending: float = 1.0
    china_spending: float = 1.0
    russia_spending: float = 1.0
    # the rules' own defaults, declared once in their config dataclasses
    threat_sensitivity: float = ThreatResponseConfig.k
    free_riding: float = ThreatResponseConfig.f
    form_threshold: float = UtilityConfig.form_threshold
    break_threshold: float = UtilityConfig.break_threshold
    seed: int = 0


CONTROL_NAMES = [f.name for f in fields(Controls)]


def check_choice(name: str, raw: Any, allowed: list[str]) -> str:
    """``raw`` if it is one of ``allowed`` (compared as an exact string), else ControlError."""
    if not isinstance(raw, str) or raw not in allowed:
        shown = repr(raw)[:40]
        raise ControlError(f"{name}: {shown} is not one of {', '.join(allowed)}")
    return raw


def check_number(name: str, raw: Any, allowed: Range) -> float | int:
    """``raw`` as a number on the grid of ``allowed``, else ControlError.

    A number is accepted when it is finite, within ``[lo, hi]`` and within 1e-6 of a grid point
    ``lo + n * step``; it is returned snapped to that point (an int for integer controls).
    Strings (from a settings link) are parsed; booleans are refused.
    """
    if isinstance(raw, bool):
        raise ControlError(f"{name}: {raw!r} is not a number")
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise ControlError(f"{name}: {str(raw)[:40]!r} is not a number") from None
    if not math.isfinite(value) or not allowed.lo - 1e-9 <= value <= allowed.hi + 1e-9:
        raise ControlError(f"{name}: {value:g} is outside [{allowed.lo:g}, {allowed.hi:g}]")
    n = (value - allowed.lo) / allowed.step
    if abs(n - round(n)) > 1e-6:
        raise ControlError(f"{name}: {value:g} is not a multiple of {allowed.step:g}")
    snapped = allowed.lo + round(n) * allowed.step
    return int(round(snapped)) if allowed.integer else round(snapped, 6)


def validate(values: dict[str, Any], base: Controls | None = None) -> Controls:
    """The controls ``base`` (default: the defaults) with ``values`` applied, each checked.

    Raises
    ------
    ControlError
        naming the first control that is unknown or whose value is not allowed.
    """
    out = asdict(base or Controls())
    for name, raw in values.items():
        if name in CHOICES:
            out[name] = check_choice(name, raw, CHOICES[name])
        elif name in RANGES:
            out[name] = check_number(name, raw, RANGES[name])
        else:
            raise ControlError(f"{str(name)[:40]!r} is not a control of the page")
    return Controls(**out)


def counterfactual(c: Controls) -> Controls:
    """The same world, seed and parameters without the policy change (no scenario, x1 spending)."""
    return replace(c, scenario="baseline", us_spending=1.0, china_spending=1.0, russia_spending=1.0)


def has_policy_change(c: Controls) -> bool:
    """Whether the controls change policy at all (else the run is its own counterfactual)."""
    return c != counterfactual(c)


# ----------------------------------------------------------------------------- scenario files


@cache
def _scenario_file(scenario: str) -> dict[str, Any]:
    check_choice("scenario", scenario, SCENARIOS)
    return OmegaConf.to_container(OmegaConf.load(CONFIG_DIR / "scenario" / f"{scenario}.yaml"))


def scenario_schedules(scenario: str) -> list[dict[str, Any]]:
    """The spending schedules ``configs/scenario/<scenario>.yaml`` declares, as plain dicts.

    A scenario written ``# @package _global_`` holds them under its ``scenario:`` key.
    """
    node = _scenario_file(scenario)
    node = node["scenario"] if isinstance(node.get("scenario"), dict) else node
    return [dict(s) for s in node.get("schedules") or []]


def scenario_rule_name(scenario: str) -> str:
    """The budget rule a scenario selects (``override /budget_rule: NAME``), else the default."""
    for entry in _scenario_file(scenario).get("defaults") or []:
        if isinstance(entry, dict) and "override /budget_rule" in entry:
            return str(entry["override /budget_rule"])
    return "threat_response"


@dataclass(frozen=True)
class ScenarioText:
    """What a scenario file's header says: its question, mechanism and one-line description."""

    question: str
    mechanism: str
    description: str


@cache
def scenario_text(scenario: str) -> ScenarioText:
    """The ``# Question:`` and ``# Mechanism:`` paragraphs of a scenario file's header comment."""
    check_choice("scenario", scenario, SCENARIOS)
    parts: dict[str, list[str]] = {}
    key = None
    for line in (CONFIG_DIR / "scenario" / f"{scenario}.yaml").read_text().splitlines():
        if not line.startswith("#"):
            break
        text = line.lstrip("#").strip()
        head = re.match(r"^([A-Z][a-z]+):\s*(.*)$", text)
        if head and head.group(1) in ("Question", "Mechanism", "Command", "Every"):
            key = head.group(1).lower()
            text = head.group(2) if key != "every" else text
        if key == "every" or text.startswith("Every world"):
            key = None
        if key in ("question", "mechanism") and text:
            parts.setdefault(key, []).append(text)
    node = _scenario_file(scenario)
    node = node["scenario"] if isinstance(node.get("scenario"), dict) else node
    return ScenarioText(
        " ".join(parts.get("question", [])),
        " ".join(parts.get("mechanism", [])),
        str(node.get("description", "")),
    )


#: what a class should watch in each scenario (the page's own teaching notes)
LOOK_FOR: dict[str, str] = {
    "baseline": "Nothing is forced: watch how little moves. This is the yardstick for the others.",
    "us_retrenchment": "The US line falls; watch the US$ panel: how much of the US cut do allies "
    "make up (the gap between 'world' and 'United States')? Does NATO keep its ties?",
    "china_rise": "China's spending climbs; do Japan, India and China's neighbours arm and ally "
    "(balancing)? The growth schedule ends after 20 years: China's share then falls as its GDP "
    "grows while its US$ spending holds.",
    "russia_shock": "Russia's neighbours and NATO's frontline states (Poland, the Baltics) should "
    "respond first and hardest; look for new ties around them.",
    "nato_2pct_enforced": "Allies below 2% rise toward the dotted guideline; watch 'allies at "
    "their guideline' and whether the rest of the world changes at all.",
    "bipolar": "Watch the number of blocs and polarity: does the world sort into two camps?",
    "multipolar": "Power evens out: do blocs multiply and churn (more ties formed and broken)?",
    "arms_race": "The US and China react to each other (Richardson): do their shares settle at a "
    "level or run away? Everyone else holds: look at ties, not budgets.",
}


# ----------------------------------------------------------------------------- controls -> config


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


def overrides(c: Controls, years: int = APP_YEARS) -> list[str]:
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
        f"model.steps={years}",
    ]
    if scenario_rule_name(c.scenario) == "threat_response":  # k and f are that rule's terms
        out[2:2] = [
            f"budget_rule.k={_hydra_value(float(c.threat_sensitivity))}",
            f"budget_rule.f={_hydra_value(float(c.free_riding))}",
        ]
    changed = _changed_powers(c)
    if changed:
        kept = [s for s in scenario_schedules(c.scenario) if s.get("iso3") not in changed]
        out.append(_schedule_override(kept + _ramps(changed)))
    return out


def _changed_powers(c: Controls) -> dict[str, float]:
    """The major powers whose multiplier is not 1: ISO3 -> multiplier."""
    return {
        iso3: float(getattr(c, name))
        for name, iso3 in POWERS.items()
        if abs(float(getattr(c, name)) - 1.0) > 1e-9
    }


def _ramps(changed: dict[str, float]) -> list[dict[str, Any]]:
    """The page's schedules: each changed power's share moves to ``m`` x its start value."""
    return [
        {"iso3": iso3, "start": 0, "years": RAMP_YEARS, "factor": m} for iso3, m in changed.items()
    ]


@cache
def _composed(world: str, scenario: str, years: int) -> Config:
    """The config of a world and scenario with every other key at its default (composed once)."""
    with _COMPOSE_LOCK:
        return compose([f"world={world}", f"scenario={scenario}", f"model.steps={years}"])


def configure(c: Controls, years: int = APP_YEARS) -> Config:
    """The typed config for the controls: what ``compose(overrides(c, years))`` returns.

    Hydra composes each world and scenario once (~0.13 s); the numeric controls are then set on
    a copy with :func:`dataclasses.replace`, which runs each dataclass's own checks again, so an
    invalid value fails with the same message as through the CLI. The schedules are those of
    :func:`overrides`. (``tests/test_app.py`` checks that both paths give equal configs.)

    Raises
    ------
    ConfigError
        naming the key when the controls make an invalid run (e.g. a break threshold above the
        form threshold).
    """
    base = copy.deepcopy(_composed(c.world, c.scenario, years))
    budget = base.budget_rule
    if scenario_rule_name(c.scenario) == "threat_response":  # k and f are that rule's terms
        budget = replace(budget, k=float(c.threat_sensitivity), f=float(c.free_riding))
    alliance = replace(
        base.alliance_rule,
        form_threshold=float(c.form_threshold),
        break_threshold=float(c.break_threshold),
    )
    scenario = base.scenario
    changed = _changed_powers(c)
    if changed:
        kept = [s for s in scenario.schedules if s.iso3 not in changed]
        added = [ScheduleConfig(**s) for s in _ramps(changed)]
        scenario = replace(scenario, schedules=kept + added)
    return replace(
        base, budget_rule=budget, alliance_rule=alliance, scenario=scenario, seed=int(c.seed)
    )


def cli_command(c: Controls) -> str:
    """The command that runs the page's model from a terminal."""
    return "python -m sim " + " ".join(shlex.quote(o) for o in overrides(c))


def settings_line(c: Controls) -> str:
    """The settings in one line, as the page shows what is running."""
    powers = ", ".join(
        f"{label} x{getattr(c, name):g}"
        for name, label in zip(POWERS, ("US", "China", "Russia"), strict=True)
    )
    rule = scenario_rule_name(c.scenario)
    budget = (
        f"k={c.threat_sensitivity:g} · f={c.free_riding:g}"
        if rule == "threat_response"
        else f"budget rule {rule} (k and f do not apply)"
    )
    return (
        f"world {c.world} · scenario {c.scenario} · spending {powers} · {budget} · "
        f"form {c.form_threshold:g} · break {c.break_threshold:g} · seed {c.seed}"
    )


# ----------------------------------------------------------------------------- settings link


@dataclass(frozen=True)
class PageSettings:
    """Everything the settings link restores: the controls, the year shown, the comparison."""

    controls: Controls = Controls()
    year: int = 0  # steps from the start year
    versus: str = ""  # a second scenario for the side-by-side mode ("" = none)
    nations: tuple[str, ...] = ()  # ISO3 codes a student picked to label and draw


def encode_link(s: PageSettings) -> str:
    """The query string (without ``?``) that restores ``s``: every control, always spelt out."""
    items: dict[str, Any] = {k: _hydra_value(v) for k, v in asdict(s.controls).items()}
    items["year"] = s.year
    if s.versus:
        items["versus"] = s.versus
    if s.nations:
        items["nations"] = ",".join(s.nations)
    return urlencode(items)


def decode_link(query: str, iso3: list[str] | None = None) -> PageSettings:
    """The settings a query string encodes, each value checked as a control value is.

    ``iso3`` are the nations the picked codes must come from (unchecked when None; the page
    checks them against the world of the run). A missing control keeps its default.

    Raises
    ------
    ControlError
        naming the first unknown key or invalid value; nothing of the link is then applied.
    """
    pairs = parse_qsl(query.lstrip("?"), keep_blank_values=True)
    seen: set[str] = set()
    values: dict[str, Any] = {}
    year, versus, nations = 0, "", ()
    for key, raw in pairs:
        if key in seen:
            raise ControlError(f"{key[:40]!r} is given twice in the link")
        seen.add(key)
        if key == "year":
            year = int(check_number("year", raw, Range(0, APP_YEARS, 1, "year", integer=True)))
        elif key == "versus":
            versus = check_choice("versus", raw, SCENARIOS) if raw else ""
        elif key == "nations":
            codes = tuple(c for c in raw.split(",") if c)
            for code in codes:
                if not re.fullmatch(r"[A-Z]{3}", code) or (iso3 is not None and code not in iso3):
                    raise ControlError(f"nations: {code[:40]!r} is not a nation of this world")
            nations = codes[:12]
        else:
            values[key] = raw
    return PageSettings(validate(values), year, versus, nations)
