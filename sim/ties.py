"""Ties: the one store of the alliance ties, their terms and their history.

The tie state is a set of (N, N) arrays (symmetric except the pledges, which are what a tie asks
of each side); :meth:`Ties.form` and :meth:`Ties.dissolve` are the only writers, and they record
the events. :attr:`Ties.graph` is the public view, a ``networkx.Graph`` keyed by ISO3 with the
ties as edges (``since, treaty, weight, review_period, pledge``), derived from the arrays and
built once and then kept current by the two writers; edges keep the order their ties formed.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd

EVENT_COLUMNS = ["step", "year", "a", "b", "event", "treaty"]


class Ties:
    """The alliance ties among ``nations`` (rows of a world's nation table).

    Parameters
    ----------
    nations : the world's nation table (``iso3, name, lat, lon, major_power``; row order).
    start_year : the calendar year of step 0, for the event table.

    Attributes
    ----------
    allied : (N, N) bool, the adjacency.
    commitment : (N, N) the weight ``w_ij`` of each tie (treaty ties 1).
    pledge : (N, N) the share of GDP the tie asks of ``i`` (0 for no pledge).
    since, review : (N, N) the step a tie formed and its review period in years.
    treaty_tie : (N, N) bool, the tie is a treaty's.
    step : the current step (the model sets it each year with :meth:`new_year`).
    formed_now, dissolved_now : ties formed and dissolved in the current step.
    changes : ties formed or dissolved so far (the graph, and the blocs, change only then).
    """

    def __init__(self, nations: pd.DataFrame, start_year: int) -> None:
        self.iso3: list[str] = list(nations["iso3"])
        self.start_year = start_year
        n = len(self.iso3)
        self.allied = np.zeros((n, n), dtype=bool)
        self.commitment = np.zeros((n, n))
        self.pledge = np.zeros((n, n))
        self.since = np.zeros((n, n), dtype=np.int64)
        self.review = np.ones((n, n), dtype=np.int64)
        self.treaty_tie = np.zeros((n, n), dtype=bool)
        #: each tie (i < j) -> its treaty's name ("" for a tie formed in the run), in the
        #: order the ties formed
        self._treaty: dict[tuple[int, int], str] = {}
        self._nodes = [
            (
                row.iso3,
                {
                    "name": row.name,
                    "lat": row.lat,
                    "lon": row.lon,
                    "major_power": bool(row.major_power),
                },
            )
            for row in nations.itertuples(index=False)
        ]
        self.events: list[tuple] = []
        self.step = 0
        self.formed_now = self.dissolved_now = 0
        self.changes = 0
        self._graph: nx.Graph | None = None
        self._graph_at = -1

    def new_year(self, step: int) -> None:
        """Start counting the ties formed and dissolved in ``step``."""
        self.step = step
        self.formed_now = self.dissolved_now = 0

    def form(
        self,
        i: int,
        j: int,
        treaty: str = "",
        weight: float = 1.0,
        review: int = 1,
        pledges: tuple[float, float] = (0.0, 0.0),
        event: str = "formed",
    ) -> None:
        """Add the tie i-j; ``pledges`` are the shares of GDP it asks of i and of j.

        A tie formed after step 0 is an event (treaties seeded at the start are not): ``formed``,
        or ``joined`` when ``i`` accedes to ``treaty``.
        """
        t = self.step
        for a, b, pledge in ((i, j, pledges[0]), (j, i, pledges[1])):
            self.allied[a, b] = True
            self.commitment[a, b] = weight
            self.pledge[a, b] = pledge
            self.since[a, b] = t
            self.review[a, b] = review
            self.treaty_tie[a, b] = bool(treaty)
        self._treaty[(min(i, j), max(i, j))] = treaty
        if self._graph_at == self.changes:  # keep a current view current (no rebuild)
            self._graph.add_edge(self.iso3[i], self.iso3[j], **self._edge(i, j, treaty))
            self._graph_at += 1
        self.changes += 1
        if t > 0:
            self.formed_now += 1
            self.events.append((t, self.start_year + t, self.iso3[i], self.iso3[j], event, treaty))

    def dissolve(self, i: int, j: int, event: str = "dissolved") -> None:
        """Remove the tie i-j and record the event (``dissolved``, or ``withdrew`` when ``i``
        leaves the tie's treaty)."""
        t = self.step
        treaty = self._treaty.pop((min(i, j), max(i, j)))
        for a, b in ((i, j), (j, i)):
            self.allied[a, b] = self.treaty_tie[a, b] = False
            self.commitment[a, b] = self.pledge[a, b] = 0.0
        if self._graph_at == self.changes:
            self._graph.remove_edge(self.iso3[i], self.iso3[j])
            self._graph_at += 1
        self.dissolved_now += 1
        self.changes += 1
        self.events.append((t, self.start_year + t, self.iso3[i], self.iso3[j], event, treaty))

    def accede(self, i: int, members: list[int], treaty: str, review: int, pledge: float) -> None:
        """``i`` accedes to ``treaty``: a treaty tie with each of ``members`` (event ``joined``).

        A bilateral tie ``i`` already has with a member becomes the treaty's (dissolved, then
        formed again as the treaty's); both sides pledge the treaty's guideline ``pledge``.
        """
        for j in members:
            if j == i:
                continue
            if self.allied[i, j]:
                self.dissolve(i, j)  # a bilateral tie becomes the treaty's
            self.form(
                i,
                j,
                treaty=treaty,
                weight=1.0,
                review=review,
                pledges=(pledge, pledge),
                event="joined",
            )

    def members(self, treaty: str) -> list[int]:
        """Rows of the nations that hold a tie of ``treaty`` now, in row order."""
        rows = {k for pair, name in self._treaty.items() if name == treaty for k in pair}
        return sorted(rows)

    def seed_treaties(self, treaties: pd.DataFrame, row: dict[str, int]) -> np.ndarray:
        """Each treaty is a clique; a pair in two treaties keeps the first listed.

        A member's pledge is its own ``target_share`` row (blank: no pledge, as for Iceland).
        Returns each nation's guideline, its largest pledge (0 without one).
        """
        target = np.zeros(len(self.iso3))
        for name, members in treaties.groupby("treaty", sort=False):
            rows = [row[c] for c in members["iso3"]]
            pledge = np.nan_to_num(members["target_share"].to_numpy(float), nan=0.0)
            review = int(members["review_period"].min())
            target[rows] = np.maximum(target[rows], pledge)
            for k, i in enumerate(rows):
                for m, j in enumerate(rows[k + 1 :], start=k + 1):
                    if not self.allied[i, j]:
                        self.form(
                            i,
                            j,
                            treaty=str(name),
                            weight=1.0,
                            review=review,
                            pledges=(float(pledge[k]), float(pledge[m])),
                        )
        return target

    @property
    def count(self) -> int:
        """The number of ties."""
        return len(self._treaty)

    def n_allies(self) -> np.ndarray:
        """(N,) number of allies of each nation."""
        return np.count_nonzero(self.allied, axis=1)

    def treaty(self, i: int, j: int) -> str:
        """The treaty of the tie i-j ("" for a tie formed in the run)."""
        return self._treaty[(min(i, j), max(i, j))]

    def _edge(self, i: int, j: int, treaty: str) -> dict:
        """The graph's attributes of the tie i-j, read from the arrays."""
        return {
            "since": int(self.since[i, j]),
            "treaty": treaty,
            "weight": float(self.commitment[i, j]),
            "review_period": int(self.review[i, j]),
            "pledge": float(max(self.pledge[i, j], self.pledge[j, i])),
        }

    @property
    def graph(self) -> nx.Graph:
        """The ties as a ``networkx.Graph`` (a read-only view: do not modify it).

        Built from the arrays when first asked for; once built, :meth:`form` and
        :meth:`dissolve` apply each change to it too, so it is never rebuilt.
        """
        if self._graph_at != self.changes:
            graph = nx.Graph()
            graph.add_nodes_from(self._nodes)
            graph.add_edges_from(
                (self.iso3[i], self.iso3[j], self._edge(i, j, treaty))
                for (i, j), treaty in self._treaty.items()
            )
            self._graph, self._graph_at = graph, self.changes
        return self._graph

    def events_table(self) -> pd.DataFrame:
        """Every tie formed or dissolved during the run (seeded treaties are not events)."""
        return pd.DataFrame(self.events, columns=EVENT_COLUMNS).astype(
            {"step": np.int64, "year": np.int64}
        )
