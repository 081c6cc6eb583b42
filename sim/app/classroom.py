"""Class sessions: a teacher opens a world, each student takes one nation and sets its budget.

A :class:`ClassSession` holds one live :class:`~sim.model.AllianceModel`, built through the same
config path as the CLI. Students choose their nation's defence share for the coming year (and
may propose or leave a tie); the world advances only when the teacher steps it, and then every
student's choice enters the model through its player API (``choose_share``, ``choose_tie``); the
other nations follow the model's rules. Each session is its own object, found by its join code:
two classes never share state. The debrief compares the class's world with the model's own run
of the same world and, from a past world (2014, 2019), with what each nation actually spent in
the same year (SIPRI, :mod:`sim.worlds.observed`).
"""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass, field, replace

import pandas as pd

from sim.app.controls import APP_YEARS, ControlError, Controls, check_choice, configure
from sim.app.runs import Run, get_run, snapshot, treaty_ties
from sim.runner import build_model
from sim.worlds import observed

#: worlds a class can start from
CLASS_WORLDS = ["today", "y2019", "y2014"]
#: a student's budget, in % of GDP: the allowed range and grid
BUDGET_MIN, BUDGET_MAX, BUDGET_STEP = 0.0, 20.0, 0.1
#: join codes: letters that cannot be misread (no I, O), six of them
CODE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"
CODE_LENGTH = 6
#: sessions kept at most (the oldest closes first)
MAX_SESSIONS = 200


class ClassError(ValueError):
    """A class action that is not allowed (unknown code, nation taken, budget out of range)."""


@dataclass
class ClassSession:
    """One class's world: its nations' players, this year's choices, the live model."""

    code: str
    controls: Controls
    model: object  # AllianceModel
    treaty_edges: tuple
    players: dict[str, tuple[str, str]] = field(default_factory=dict)  # id -> (name, iso3)
    budgets: dict[str, float] = field(default_factory=dict)  # iso3 -> % of GDP, this year
    ties: dict[tuple[str, str], bool] = field(default_factory=dict)  # (iso3, other) -> ally
    version: int = 0  # bumped on every change, so the pages know to redraw
    lock: threading.Lock = field(default_factory=threading.Lock)
    _snapshot: tuple[int, Run] | None = field(default=None, repr=False)  # (step, its run)

    @property
    def step(self) -> int:
        return int(self.model.steps)

    @property
    def year(self) -> int:
        return int(self.model.start_year + self.model.steps)

    def nations(self) -> dict[str, str]:
        """ISO3 -> name of every nation of the world."""
        return dict(zip(self.model.iso3, self.model.world.nations["name"], strict=True))

    def taken(self) -> dict[str, str]:
        """ISO3 -> the student playing it."""
        return {iso3: name for name, iso3 in self.players.values()}

    def join(self, player: str, name: str, iso3: str) -> None:
        """``player`` (a browser session's id) takes nation ``iso3`` under ``name``."""
        name = str(name).strip()[:40]
        if not name:
            raise ClassError("name: please give your name or your team's")
        with self.lock:
            check_choice("nation", iso3, list(self.nations()))
            holder = self.taken().get(iso3)
            if holder is not None and self.players.get(player, ("", ""))[1] != iso3:
                raise ClassError(f"nation: {self.nations()[iso3]} is taken by {holder}")
            self.players[player] = (name, iso3)
            self.version += 1

    def nation_of(self, player: str) -> str:
        if player not in self.players:
            raise ClassError("you have not joined this class")
        return self.players[player][1]

    def set_budget(self, player: str, share_pct: float) -> None:
        """The player's defence share (% of GDP) for the coming year, checked on its grid."""
        iso3 = self.nation_of(player)
        try:
            value = float(share_pct)
        except (TypeError, ValueError):
            raise ClassError(f"budget: {str(share_pct)[:20]!r} is not a number") from None
        steps = (value - BUDGET_MIN) / BUDGET_STEP
        if not (BUDGET_MIN <= value <= BUDGET_MAX) or abs(steps - round(steps)) > 1e-6:
            raise ClassError(
                f"budget: {value:g} is not in [{BUDGET_MIN:g}, {BUDGET_MAX:g}] % of GDP "
                f"in steps of {BUDGET_STEP:g}"
            )
        with self.lock:
            self.budgets[iso3] = round(value, 1)
            self.version += 1

    def choose_tie(self, player: str, other: str, ally: bool) -> None:
        """Propose a tie with ``other`` (``ally``) or leave the tie with it, for the next year.

        A tie with a nation another student plays forms only when both propose it; a nation the
        model plays accepts. Leaving needs one side only.
        """
        iso3 = self.nation_of(player)
        with self.lock:
            check_choice("partner", other, [c for c in self.nations() if c != iso3])
            self.ties[(iso3, other)] = bool(ally)
            self.version += 1

    def proposals(self, player: str) -> list[tuple[str, bool]]:
        """The player's ties for the next year, as chosen so far: (other nation's ISO3, ally).

        A proposal to another student's nation is kept from year to year until it forms."""
        iso3 = self.nation_of(player)
        with self.lock:
            return sorted((b, ally) for (a, b), ally in self.ties.items() if a == iso3)

    def advance(self) -> None:
        """The teacher's Step: every choice enters the model, then one year passes."""
        with self.lock:
            if self.step >= APP_YEARS:
                raise ClassError(f"the class world ends after {APP_YEARS} years")
            for iso3, pct in self.budgets.items():
                self.model.choose_share(iso3, pct / 100.0)
            taken = self.taken()
            for (a, b), ally in self.ties.items():
                mutual = b not in taken or self.ties.get((b, a)) is True
                if not ally or mutual:
                    self.model.choose_tie(a, b, ally)
            self.model.step()
            self.budgets = {}
            self.ties = {k: v for k, v in self.ties.items() if v and k[1] in taken}
            self.version += 1

    def run(self) -> Run:
        """The class's world so far, as the page's charts draw it: built once per year and
        shared by every page of the class (a student's choice does not change it)."""
        with self.lock:
            if self._snapshot is None or self._snapshot[0] != self.step:
                run = snapshot(
                    self.controls,
                    self.model,
                    self.model.scenario_config,
                    self.treaty_edges,
                    APP_YEARS,
                )
                self._snapshot = (self.step, run)
            return self._snapshot[1]

    def debrief(self) -> pd.DataFrame:
        """Each student's nation: its share in the class's world, in the model's own run of the
        same world and year, and (up to 2024) what it actually spent that year (SIPRI)."""
        own = get_run(self.controls)
        step = min(self.step, own.years)
        here = self.run()
        rows = []
        for name, iso3 in sorted(self.players.values(), key=lambda p: p[1]):
            rows.append(
                {
                    "student": name,
                    "nation": here.names[iso3],
                    "iso3": iso3,
                    f"class {self.year} (% GDP)": round(float(here.share[iso3].iloc[-1]), 2),
                    f"model {own.start_year + step} (% GDP)": round(
                        float(own.share[iso3].iloc[step]), 2
                    ),
                }
            )
        table = pd.DataFrame(rows)
        if self.year <= OBSERVED_UNTIL and not table.empty:  # a past world: what really happened
            table[f"actual {self.year} (% GDP, SIPRI)"] = [
                _observed(iso3, self.year) for iso3 in table["iso3"]
            ]
        return table


#: the last year of the observed series (sim.worlds.observed: SIPRI, 2025 release)
OBSERVED_UNTIL = 2024


def _observed(iso3: str, year: int) -> float:
    """SIPRI's share of GDP of ``iso3`` in ``year`` (percent), NaN where SIPRI has none."""
    try:
        return round(observed.share(iso3, year), 2)
    except KeyError:
        return float("nan")


_sessions: dict[str, ClassSession] = {}
_registry_lock = threading.Lock()


def open_session(world: str) -> ClassSession:
    """A new class on ``world`` with a fresh join code (the baseline scenario, seed 0)."""
    check_choice("world", world, CLASS_WORLDS)
    controls = replace(Controls(), world=world)
    model = build_model(configure(controls))
    with _registry_lock:
        while True:
            code = "".join(secrets.choice(CODE_LETTERS) for _ in range(CODE_LENGTH))
            if code not in _sessions:
                break
        if len(_sessions) >= MAX_SESSIONS:
            _sessions.pop(next(iter(_sessions)))
        session = ClassSession(code, controls, model, treaty_ties(model))
        _sessions[code] = session
    return session


def find_session(code: str) -> ClassSession:
    """The session of a join code (checked: six code letters, an open class)."""
    code = str(code).strip().upper()
    if len(code) != CODE_LENGTH or any(c not in CODE_LETTERS for c in code):
        raise ClassError(f"code: {code[:12]!r} is not a join code (six letters)")
    with _registry_lock:
        if code not in _sessions:
            raise ClassError(f"code: no open class has the code {code}")
        return _sessions[code]


__all__ = ["ClassError", "ClassSession", "ControlError", "find_session", "open_session"]
