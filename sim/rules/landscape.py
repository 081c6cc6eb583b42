"""Landscape theory of aggregation: two coalitions that minimise the frustration energy.

Axelrod, R. & Bennett, D. S. (1993). "A landscape theory of aggregation". *British Journal of
Political Science* 23(2), 211-233. Actors of size ``s_i`` with symmetric propensities ``p_ij``
(positive: inclined to work together; negative: apart) split into two coalitions; a
configuration's energy (frustration) is

    E(c) = sum_{i<j, c_i != c_j} s_i s_j p_ij,

the size-weighted propensity of the pairs the configuration separates. The predicted alignment
is the configuration of least energy. In the Ising form, with spins ``sigma_i = +1/-1``,
``E = sum_{i<j} s_i s_j p_ij (1 - sigma_i sigma_j) / 2``.

Pure functions (arrays in, named results out, no Mesa), and the component :class:`Landscape`
that turns the coalitions into ties (docs/MODEL.md, "Submodels: alliances").
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from sim.checks import finite, nonneg, within
from sim.errors import ConfigError
from sim.rules.base import AllianceRuleConfig, NationState, Reporters
from sim.rules.utility import check_tie_terms

#: exact enumeration up to this many actors (2^(n-1) configurations), local search beyond
EXACT_MAX = 20
#: configurations evaluated per vectorised chunk (bounds memory to CHUNK * n floats)
CHUNK = 1 << 15


class LandscapeMinimum(NamedTuple):
    """The least-energy two-coalition configuration found."""

    partition: np.ndarray  #: (n,) int, coalition 0 or 1; actor 0 is always in coalition 0
    energy: float  #: its energy E
    exact: bool  #: True when found by full enumeration (a global minimum)
    evaluated: int  #: configurations evaluated (enumeration) or single-actor switches made


def pair_weights(sizes: np.ndarray, propensity: np.ndarray) -> np.ndarray:
    """``w_ij = s_i s_j p_ij`` with a zero diagonal: the stake of each pair."""
    sizes = np.asarray(sizes, dtype=float)
    w = sizes[:, None] * sizes[None, :] * np.asarray(propensity, dtype=float)
    np.fill_diagonal(w, 0.0)
    return w


def landscape_energy(
    partition: np.ndarray, sizes: np.ndarray, propensity: np.ndarray
) -> float | np.ndarray:
    """Frustration ``E = sum_{i<j, c_i != c_j} s_i s_j p_ij`` of one or many configurations.

    Parameters
    ----------
    partition : (n,) or (m, n) coalition labels, two distinct values (0/1, or -1/+1 spins).
    sizes : (n,) actor sizes (here, shares of world capability).
    propensity : (n, n) symmetric propensities ``p_ij``; the diagonal is ignored.

    Returns
    -------
    float for one configuration, (m,) array for many.
    """
    c = np.asarray(partition)
    w = pair_weights(sizes, propensity)
    apart = c[..., :, None] != c[..., None, :]
    energy = 0.5 * (apart * w).sum(axis=(-2, -1))
    return float(energy) if np.ndim(energy) == 0 else energy


def _bits(count: int, width: int) -> np.ndarray:
    """Rows 0..count-1 written in binary, least significant bit first: (count, width) floats."""
    codes = np.arange(count, dtype=np.int64)
    return ((codes[:, None] >> np.arange(width, dtype=np.int64)) & 1).astype(float)


def _enumerate(w: np.ndarray, chunk: int) -> tuple[np.ndarray, float, int]:
    """Every configuration with actor 0 in coalition 0; returns the first minimum.

    With ``c`` in {0, 1}: ``[c_i != c_j] = c_i + c_j - 2 c_i c_j``, so
    ``E(c) = c . r - c^T W c`` with ``r_i = sum_j w_ij`` (W symmetric, zero diagonal). The free
    actors 1..n-1 are split into a low block L and a high block H (``c = x + y``), so that
    ``E = e_L(x) + e_H(y) - 2 x^T W_LH y``: the energies of all ``2^(n-1)`` configurations are
    one outer sum and one matrix product, done for ``chunk`` high-block rows at a time. The
    configuration code is ``a + 2^|L| b`` (bit k of the code is actor k + 1).
    """
    n = len(w)
    r = w.sum(axis=1)
    free = n - 1
    nl = free // 2 + free % 2
    nh = free - nl
    low = np.arange(1, 1 + nl)
    high = np.arange(1 + nl, n)
    x = _bits(1 << nl, nl)
    e_low = x @ r[low] - np.einsum("ai,ai->a", x @ w[np.ix_(low, low)], x)
    x_cross = x @ w[np.ix_(low, high)]  # (2^nl, nh)
    rows = max(1, chunk // (1 << nl))
    best_energy, best_code = np.inf, 0
    for b0 in range(0, 1 << nh, rows):
        codes = np.arange(b0, min(b0 + rows, 1 << nh), dtype=np.int64)
        y = ((codes[:, None] >> np.arange(nh, dtype=np.int64)) & 1).astype(float)
        e_high = y @ r[high] - np.einsum("bi,bi->b", y @ w[np.ix_(high, high)], y)
        energy = e_high[:, None] + e_low[None, :] - 2.0 * (y @ x_cross.T)  # (b, a)
        k = int(np.argmin(energy))
        if energy.flat[k] < best_energy - 1e-15:
            bi, a = divmod(k, 1 << nl)
            best_energy, best_code = float(energy.flat[k]), a + (int(codes[bi]) << nl)
    partition = np.zeros(n, dtype=np.int64)
    partition[1:] = (best_code >> np.arange(free, dtype=np.int64)) & 1
    return partition, best_energy, 1 << free


def local_search(
    w: np.ndarray, start: np.ndarray, max_switches: int | None = None
) -> tuple[np.ndarray, int]:
    """Single-actor switches, the dynamics of Axelrod & Bennett, until no switch lowers E.

    Each round the actor whose switch lowers the energy most changes side (steepest descent:
    ``dE_i = sum_{j same} w_ij - sum_{j other} w_ij``); the energy falls strictly, so the search
    ends in a local minimum of the landscape. Returns the configuration and the switches made.
    """
    c = np.asarray(start, dtype=np.int64).copy()
    n = len(c)
    spin = 1.0 - 2.0 * c  # +1 in coalition 0, -1 in coalition 1
    field = w @ spin  # sum_j w_ij sigma_j
    switches = 0
    limit = max_switches if max_switches is not None else 10 * n * n
    while switches < limit:
        delta = spin * field  # dE of switching i: sum_same w - sum_other w
        i = int(np.argmin(delta))
        if delta[i] >= -1e-15:
            break
        field -= 2.0 * spin[i] * w[:, i]
        spin[i] = -spin[i]
        switches += 1
    return (spin < 0).astype(np.int64), switches


def _canonical(partition: np.ndarray) -> np.ndarray:
    """Relabel so that actor 0 is in coalition 0 (the two labels are interchangeable)."""
    return partition ^ partition[0] if len(partition) else partition


def landscape_minimum(
    sizes: np.ndarray,
    propensity: np.ndarray,
    rng: np.random.Generator | None = None,
    *,
    exact_max: int = EXACT_MAX,
    restarts: int = 8,
    start: np.ndarray | None = None,
    chunk: int = CHUNK,
) -> LandscapeMinimum:
    """The two-coalition configuration of least frustration energy (Axelrod & Bennett 1993).

    Up to ``exact_max`` actors every one of the ``2^(n-1)`` configurations (actor 0 fixed in
    coalition 0; the labels are symmetric) is evaluated, vectorised in chunks of ``chunk``, and
    the first global minimum in enumeration order is returned. Beyond, single-actor switches
    (:func:`local_search`) descend from ``start`` (when given, e.g. last year's alignment) and
    from ``restarts`` random configurations drawn from ``rng``; the lowest local minimum wins.

    Parameters
    ----------
    sizes : (n,) actor sizes, e.g. capability shares.
    propensity : (n, n) symmetric propensities.
    rng : the caller's generator (``model.rng``); required for local search without ``start``.

    Returns
    -------
    LandscapeMinimum
    """
    w = pair_weights(sizes, propensity)
    n = len(w)
    if n <= 1:
        return LandscapeMinimum(np.zeros(n, dtype=np.int64), 0.0, True, max(n, 1))
    if n <= exact_max:
        partition, energy, count = _enumerate(w, chunk)
        return LandscapeMinimum(
            _place_weightless(partition, sizes, propensity), energy, True, count
        )
    starts = [] if start is None else [np.asarray(start, dtype=np.int64)]
    if restarts > 0:
        if rng is None:
            raise ValueError("landscape_minimum: local search needs rng for random restarts")
        starts += list(rng.integers(0, 2, size=(restarts, n)))
    if not starts:
        raise ValueError("landscape_minimum: local search needs a start or restarts > 0")
    best, best_energy, total = None, np.inf, 0
    for s in starts:
        c, moves = local_search(w, s)
        total += moves
        energy = float(landscape_energy(c, sizes, propensity))
        if energy < best_energy - 1e-15:
            best, best_energy = c, energy
    best = _canonical(_place_weightless(best, sizes, propensity))
    return LandscapeMinimum(best, best_energy, False, total)


def _place_weightless(
    partition: np.ndarray, sizes: np.ndarray, propensity: np.ndarray
) -> np.ndarray:
    """Actors of size 0 are indifferent (their switches leave E unchanged): each joins the side
    with the larger ``sum_j s_j p_ij`` (coalition 0 on a tie), so that, e.g., an ally with no
    armed forces stays with its allies. The energy is unchanged."""
    sizes = np.asarray(sizes, dtype=float)
    zero = np.flatnonzero(sizes <= 0)
    if len(zero) == 0:
        return partition
    c = partition.copy()
    pull = np.asarray(propensity, dtype=float)[zero] * sizes[None, :]
    to_one = (pull * (c == 1)).sum(axis=1) > (pull * (c == 0)).sum(axis=1)
    c[zero] = to_one.astype(np.int64)
    return c


# ----------------------------------------------------------------------------- propensities


def propensity_matrix(
    regime: np.ndarray,
    hostility: np.ndarray,
    shared_treaty: np.ndarray,
    regime_weight: float,
    hostility_weight: float,
    treaty_weight: float,
) -> np.ndarray:
    """The documented propensity formula (symmetric, zero diagonal).

    ``p_ij = regime_weight * (1 - |r_i - r_j|) - hostility_weight * (h_ij + h_ji) / 2
    + treaty_weight * T_ij``

    - regime similarity: ``1 - |r_i - r_j|`` is +1 for identical regimes, -1 for opposite ones
      (``r`` in [-1, 1]; democracies align, Axelrod & Bennett's "type of government");
    - hostility: the baseline hostility in [0, 1] (rivalries, scenario shocks, regime distance),
      symmetrised; the paper's "border conflicts" and "past wars";
    - treaty history: ``T_ij = 1`` when i and j were in a treaty together at the start.
    """
    r = np.asarray(regime, dtype=float)
    h = np.asarray(hostility, dtype=float)
    p = (
        regime_weight * (1.0 - np.abs(r[:, None] - r[None, :]))
        - hostility_weight * (h + h.T) / 2.0
        + treaty_weight * np.asarray(shared_treaty, dtype=float)
    )
    np.fill_diagonal(p, 0.0)
    return p


def read_propensity(path: str | Path, iso3: list[str], key: str = "alliance_rule.propensity"):
    """A user's propensity matrix: CSV with an ISO3 header row and an ISO3 index column.

    Returns the (n, n) matrix in the order of ``iso3``.

    Raises
    ------
    ConfigError
        naming ``key`` and the file when the matrix is unreadable, not square, not symmetric,
        has a non-numeric cell, or its codes do not match the world's nations (which ones).
    """
    path = Path(path)
    where = f"{key}: {path}"
    if not path.is_file():
        raise ConfigError(f"{where}: no such file, got {str(path)!r}")
    try:
        frame = pd.read_csv(path, index_col=0)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{where}: not a readable CSV table ({exc})") from None
    frame.index = frame.index.astype(str).str.strip()
    frame.columns = frame.columns.astype(str).str.strip()
    if frame.shape[0] != frame.shape[1]:
        raise ConfigError(f"{where}: not square ({frame.shape[0]} rows, {frame.shape[1]} columns)")
    if list(frame.index) != list(frame.columns):
        raise ConfigError(f"{where}: the header and the index must list the same codes in order")
    for axis, labels in (("index", frame.index), ("header", frame.columns)):
        dup = labels[labels.duplicated()].tolist()
        if dup:
            raise ConfigError(f"{where}: duplicate codes in the {axis}: {', '.join(dup)}")
    missing = sorted(set(iso3) - set(frame.index))
    extra = sorted(set(frame.index) - set(iso3))
    if missing or extra:
        parts = []
        if missing:
            parts.append(f"missing nations {', '.join(missing)}")
        if extra:
            parts.append(f"codes not in the world {', '.join(extra)}")
        raise ConfigError(f"{where}: does not match the world's nations: {'; '.join(parts)}")
    values = frame.apply(pd.to_numeric, errors="coerce")
    bad = np.argwhere(~np.isfinite(values.to_numpy(float)))
    if len(bad):
        r, c = bad[0]
        raise ConfigError(
            f"{where}: row {frame.index[r]}, column {frame.columns[c]}: not a finite number, "
            f"got {frame.iat[r, c]!r}"
        )
    matrix = np.array(values.loc[iso3, iso3].to_numpy(float), dtype=float)
    asym = np.abs(matrix - matrix.T)
    if asym.max() > 1e-9:
        r, c = np.unravel_index(int(np.argmax(asym)), asym.shape)
        raise ConfigError(
            f"{where}: not symmetric: p[{iso3[r]},{iso3[c]}] = {matrix[r, c]:g} but "
            f"p[{iso3[c]},{iso3[r]}] = {matrix[c, r]:g}"
        )
    np.fill_diagonal(matrix, 0.0)
    return matrix


# ----------------------------------------------------------------------------- the rule


@dataclass
class LandscapeConfig(AllianceRuleConfig):
    """Axelrod & Bennett (1993): two coalitions of least frustration energy, turned into ties.

    Each year the least-energy two-coalition configuration is found (exact up to ``exact_max``
    nations, single-actor-switch local search beyond). Ties between nations in opposite
    coalitions dissolve after ``patience`` (treaty ties ``treaty_patience``) consecutive years
    apart; pairs in the same coalition with propensity >= ``form_propensity`` form ties, the
    largest stake ``s_i s_j p_ij`` first, at most ``max_new_ties`` a year.
    """

    name: str = "landscape"
    #: a propensity matrix CSV (ISO3 header and index); empty: the formula below
    propensity: str | None = None
    #: p_ij = regime_weight (1 - |r_i - r_j|) - hostility_weight h_ij + treaty_weight T_ij
    regime_weight: float = 0.5
    hostility_weight: float = 1.0
    treaty_weight: float = 0.5
    exact_max: int = EXACT_MAX  #: exact enumeration up to this many nations (2^(n-1) configs)
    restarts: int = 8  #: random starts of the local search (plus last year's alignment)
    form_propensity: float = 0.3  #: minimum p_ij for a tie inside a coalition
    max_new_ties: int = 2  #: per year, largest stake s_i s_j p_ij first
    patience: int = 1  #: years apart before a tie formed in the run dissolves
    treaty_patience: int = 3  #: the same for treaty ties
    new_tie_weight: float = 0.5  #: commitment of a tie formed in the run (treaties: 1)
    review_period: int = 2  #: review period recorded on a tie formed in the run

    def __post_init__(self) -> None:
        nonneg(
            self,
            "alliance_rule",
            "regime_weight",
            "hostility_weight",
            "treaty_weight",
            "restarts",
            "max_new_ties",
        )
        finite("alliance_rule.form_propensity", self.form_propensity)
        within("alliance_rule.exact_max", self.exact_max, 1, 26)
        check_tie_terms(self)


class Landscape:
    """The landscape rule: its parameters, the propensities, this year's coalitions and energy,
    and the years each tie has spent across the coalitions (``strain``).

    Ties across the coalitions dissolve after ``patience`` (treaty ties: ``treaty_patience``)
    consecutive years apart. Inside a coalition, pairs with propensity >= ``form_propensity``
    form ties, largest stake ``s_i s_j p_ij`` first.
    """

    Config = LandscapeConfig

    def __init__(self, params: LandscapeConfig, state: NationState) -> None:
        self.params = p = params
        n = len(state.iso3)
        self.strain = np.zeros((n, n), dtype=np.int64)
        self.treaty_history = state.ties.treaty_tie.copy()  # T_ij: a treaty together at start
        self.fixed_propensity = read_propensity(p.propensity, state.iso3) if p.propensity else None
        self.coalition: np.ndarray | None = None
        self.energy = float("nan")
        self.find_coalitions(state)

    def propensity(self, state: NationState) -> np.ndarray:
        """Propensities ``p_ij``: the user's matrix, or the documented formula."""
        if self.fixed_propensity is not None:
            return self.fixed_propensity
        p = self.params
        return propensity_matrix(
            state.regime,
            state.baseline_hostility,
            self.treaty_history,
            p.regime_weight,
            p.hostility_weight,
            p.treaty_weight,
        )

    def find_coalitions(self, state: NationState) -> None:
        """This year's least-energy two-coalition configuration (sizes: capability shares)."""
        p = self.params
        start = self.coalition
        if start is None and p.restarts == 0:  # local search needs a start: one coalition
            start = np.zeros(len(state.iso3), dtype=np.int64)
        found = landscape_minimum(
            capability_shares(state.capability),
            self.propensity(state),
            state.rng,
            exact_max=p.exact_max,
            restarts=p.restarts,
            start=start,
        )
        self.coalition, self.energy = found.partition, found.energy

    def revise(self, state: NationState) -> None:
        p, ties = self.params, state.ties
        self.find_coalitions(state)
        prop = self.propensity(state)
        apart = self.coalition[:, None] != self.coalition[None, :]
        self.strain = np.where(ties.allied & apart, self.strain + 1, 0)
        patience = np.where(ties.treaty_tie, p.treaty_patience, p.patience)
        ending = np.triu(ties.allied & (self.strain >= patience), k=1)
        for i, j in zip(*np.nonzero(ending), strict=True):
            ties.dissolve(int(i), int(j))
            self.strain[i, j] = self.strain[j, i] = 0
        sizes = capability_shares(state.capability)
        stake = sizes[:, None] * sizes[None, :] * prop
        open_pairs = np.triu(~apart & ~ties.allied & (prop >= p.form_propensity), k=1)
        rows, cols = np.nonzero(open_pairs)
        order = np.lexsort((cols, rows, -stake[rows, cols]))[: p.max_new_ties]
        for i, j in zip(rows[order], cols[order], strict=True):
            ties.form(int(i), int(j), weight=p.new_tie_weight, review=p.review_period)
            self.strain[i, j] = self.strain[j, i] = 0

    def reporters(self) -> Reporters:
        return {"landscape_energy": lambda: self.energy}


def capability_shares(capability: np.ndarray) -> np.ndarray:
    """Each nation's share of world capability (equal shares when nobody has any)."""
    total = capability.sum()
    if not total > 0:
        return np.full(len(capability), 1.0 / len(capability))
    return capability / total
