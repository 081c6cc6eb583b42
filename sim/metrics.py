"""Outcome measures: blocs, polarity, burden sharing. Functions of a graph and arrays."""

from __future__ import annotations

import gc
import random
from collections import defaultdict
from typing import NamedTuple

import networkx as nx
import numpy as np

BLOC_RESOLUTION = 0.5


def bloc_labels(
    graph: nx.Graph,
    order: list[str],
    capability: np.ndarray,
    seed: int | None = 0,
    resolution: float = BLOC_RESOLUTION,
) -> np.ndarray:
    """Label each nation with its bloc: a community of two or more allies.

    Blocs are the Louvain communities of the alliance graph, weighted by commitment (Blondel et
    al. 2008, "Fast unfolding of communities in large networks", *J. Stat. Mech.* P10008), so a
    single tie between two dense camps does not merge them as connected components would.
    ``resolution`` is gamma in the modularity ``sum_c L_c/m - gamma (d_c/2m)^2`` (Reichardt &
    Bornholdt 2006, "Statistical mechanics of community detection", *Phys. Rev. E* 74, 016110):
    below 1 it favours larger communities. Blocs are camps, not sub-alliances, so the default
    is 0.5: at 1, modularity splits the US and its Pacific allies from European NATO, and from
    year to year a few changed ties can flip the split.
    They are numbered 0, 1, ... by total capability, largest first; a nation with no ally gets
    -1. ``order`` gives the ISO3 code of each row of ``capability``; ``seed`` seeds the Louvain
    node order (:func:`louvain_communities`, the same communities as networkx's for that seed).
    ``bloc_labels(...) == rank_blocs(bloc_members(graph, order, seed), capability)``: a caller
    that knows the graph has not changed can keep the members and only rank them again.
    """
    return rank_blocs(bloc_members(graph, order, seed, resolution), capability)


def bloc_members(
    graph: nx.Graph, order: list[str], seed: int | None = 0, resolution: float = BLOC_RESOLUTION
) -> list[np.ndarray]:
    """The rows (positions in ``order``) of each Louvain community of two or more nations."""
    if not any(graph._adj.values()):  # no edge (networkx's number_of_edges sums every degree)
        return []
    index = {code: i for i, code in enumerate(order)}
    nodes = list(graph)
    return [
        np.fromiter((index[c] for c in comp), dtype=np.int64)
        for comp in _without_gc(_louvain, graph, nodes, "weight", seed, 1e-7, resolution).live
        if len(comp) > 1
    ]


def rank_blocs(blocs: list[np.ndarray], capability: np.ndarray) -> np.ndarray:
    """Bloc label of each row: blocs numbered by total capability, largest first (-1: none).

    Equal capabilities are ordered by the bloc's smallest row.
    """
    labels = np.full(len(capability), -1, dtype=np.int64)
    weight = [(-capability[b].sum(), int(b.min())) for b in blocs]
    for rank, k in enumerate(sorted(range(len(blocs)), key=weight.__getitem__)):
        labels[blocs[k]] = rank
    return labels


def louvain_communities(
    graph: nx.Graph,
    weight: str = "weight",
    seed: int | None = 0,
    threshold: float = 1e-7,
    resolution: float = 1.0,
) -> list[set]:
    """Louvain communities of an undirected graph: ``networkx.community.louvain_communities``.

    The same algorithm, move order and random draws as networkx 3, so the same
    graph and seed give the same communities, but on plain lists and dicts: no graph copies,
    views or attribute dictionaries, several times faster on the alliance graph, where it runs
    every step. Each level moves every node (in an order shuffled with ``random.Random(seed)``)
    to the neighbouring community of largest modularity gain
    ``w_{u,C} m - (gamma/2) Sigma_C k_u`` while that is positive, then collapses communities into
    nodes; it stops when a level raises modularity by no more than ``threshold`` (Blondel et al.
    2008, "Fast unfolding of communities in large networks", *J. Stat. Mech.* P10008).

    A node without a tie never moves and stays a community of its own at every level: it only
    takes its place in each level's shuffle (and adds nothing to modularity), so the levels work
    on the nodes with ties alone (most nations of a world have none). For an int ``seed`` each
    level's shuffled order is kept (:func:`_level_order`): a run asks every year with one seed.
    ``tests/test_performance_invariants.py`` checks it against networkx.
    """
    nodes = list(graph)
    if not any(graph._adj.values()):
        return [{u} for u in nodes]
    found = _without_gc(_louvain, graph, nodes, weight, seed, threshold, resolution)
    # in networkx's order: by the first level's index each community descends from
    alone = [(k, {nodes[k]}) for k in found.alone]
    keyed = sorted([*zip(found.keys, found.live, strict=True), *alone])
    return [comp for _, comp in keyed]


def _without_gc(f, *args):
    """``f(*args)`` with the cyclic garbage collector paused.

    Louvain makes thousands of small sets and dicts but no reference cycles: pausing the
    collector (which would otherwise walk the whole heap) halves its time.
    """
    paused = gc.isenabled()
    gc.disable()
    try:
        return f(*args)
    finally:
        if paused:
            gc.enable()


#: the shuffled node orders of a level, by (seed, the sizes of the levels so far): each year of a
#: run asks Louvain with the same seed and the same number of nodes (cleared when full)
_ORDERS: dict[tuple, list[int]] = {}
_ORDERS_KEPT = 4096


def _level_order(seed: int | random.Random | None, sizes: tuple[int, ...]) -> list[int]:
    """``range(sizes[-1])`` in the order networkx's level ``len(sizes)`` visits it.

    networkx shuffles each level's nodes with one ``random.Random(seed)``, level after level:
    the order of a level is a function of the seed and the sizes of the levels before. For an int
    seed it is kept; a ``random.Random`` (whose draws go on, as networkx's would) is used as is.
    """
    if isinstance(seed, random.Random):
        order = list(range(sizes[-1]))
        seed.shuffle(order)
        return order
    key = (seed, sizes) if isinstance(seed, int) else None
    order = _ORDERS.get(key) if key is not None else None
    if order is None:
        rng = random.Random(seed)
        for size in sizes:
            order = list(range(size))
            rng.shuffle(order)
        if key is not None:
            if len(_ORDERS) >= _ORDERS_KEPT:
                _ORDERS.clear()
            _ORDERS[key] = order
    return order


class _Found(NamedTuple):
    """Louvain's communities: those of the nodes with ties (``live``, each with the first
    level's index it descends from, ``keys``, ascending) and the nodes without a tie
    (``alone``, by index), each a community of its own."""

    live: list[set]
    keys: list[int]
    alone: list[int]


class _Level(NamedTuple):
    """One level of Louvain, on its nodes with ties (``live``, by index, ascending).

    ``nbrs``: each live node's neighbours and weights (the self-loop included); ``members``: the
    original nodes it stands for; ``key``: the first level's index it descends from; ``size``:
    the level's number of nodes, the live ones and those without ties.
    """

    nbrs: dict[int, dict[int, float]]
    members: dict[int, set[int]]
    key: dict[int, int]
    size: int


def _louvain(
    graph: nx.Graph,
    nodes: list,
    weight: str,
    seed: int | random.Random | None,
    threshold: float,
    resolution: float,
) -> _Found:
    """The Louvain communities of ``graph`` (whose nodes, in order, are ``nodes``)."""
    if not isinstance(seed, int | random.Random):
        seed = random.Random(seed)  # one stream for the call, as networkx draws it
    index = {u: k for k, u in enumerate(nodes)}
    adj = graph._adj
    # networkx first copies the graph edge by edge; its neighbour order is the copy's order
    lists: list[dict[int, float]] = [{} for _ in nodes]
    m2 = 0.0  # the original graph's weighted degree sum (2m), summed as networkx's size()
    for iu, (u, around) in enumerate(adj.items()):  # in the order of ``nodes``
        if not around:
            continue  # adds nothing to 2m; never a neighbour
        weights = [d.get(weight, 1) for d in around.values()]
        m2 += sum(weights) + (around[u].get(weight, 1) if u in around else 0)
        mine = lists[iu]
        for v, wt in zip(around, weights, strict=True):
            iv = index[v]
            if iv >= iu:  # not seen yet: each edge once, from its first node
                mine[iv] = wt
                lists[iv][iu] = wt
    m = m2 / 2
    nbrs = {u: around for u, around in enumerate(lists) if around}
    level = _Level(nbrs, {u: {u} for u in nbrs}, {u: u for u in nbrs}, len(nodes))
    alone = [k for k in range(len(nodes)) if not lists[k]]
    sizes = (level.size,)
    degrees = _degrees(nbrs)
    mod = _modularity(nbrs, None, degrees, resolution)
    partition = {u: {u} for u in nbrs}
    partition, inner, _, degrees = _one_level(level, partition, degrees, m, seed, sizes, resolution)

    def named() -> _Found:
        live = [{nodes[k] for k in part} for part in partition.values()]
        return _Found(live, [level.key[c] for c in partition], alone)

    while True:
        result = named()
        new_mod = _modularity(level.nbrs, list(inner.values()), degrees, resolution)
        if new_mod - mod <= threshold:
            return result
        mod = new_mod
        level, partition = _aggregate(level, inner, partition)
        sizes += (level.size,)
        partition, inner, improvement, degrees = _one_level(
            level, partition, _degrees(level.nbrs), m, seed, sizes, resolution
        )
        if not improvement:
            return result


def _degrees(nbrs: dict[int, dict[int, float]]) -> dict[int, float]:
    """Weighted degrees as networkx counts them (a self-loop twice)."""
    return {u: sum(around.values()) + around.get(u, 0) for u, around in nbrs.items()}


def _one_level(
    level: _Level,
    partition: dict[int, set[int]],
    degrees: dict[int, float],
    m: float,
    seed: int | random.Random | None,
    sizes: tuple[int, ...],
    resolution: float,
) -> tuple[dict[int, set[int]], dict[int, set[int]], bool, dict[int, float]]:
    """One level of moves (networkx ``_one_level``, undirected), of the live nodes.

    ``partition``: the original nodes of each live node's community (changed in place). Returns
    the non-empty communities (original nodes, and this level's nodes, by community), whether
    any node moved, and this level's weighted degrees.
    """
    nbrs, members = level.nbrs, level.members
    node2com = list(range(level.size))
    inner = {u: {u} for u in nbrs}
    stot = [0.0] * level.size
    for u, degree in degrees.items():
        stot[u] = degree
    loopless = {u: [(v, w) for v, w in around.items() if v != u] for u, around in nbrs.items()}
    # all nodes shuffled, so the draws match networkx's, but a node with no neighbour never moves
    order = [u for u in _level_order(seed, sizes) if loopless.get(u)]
    gamma = resolution / 2  # networkx's gain scaled by m^2
    improvement = False
    moves = 1
    while moves > 0:
        moves = 0
        for u in order:
            u_com = node2com[u]
            by_com: defaultdict[int, float] = defaultdict(float)
            for v, wt in loopless[u]:
                by_com[node2com[v]] += wt
            degree = degrees[u]
            stot[u_com] -= degree
            best_gain = by_com.get(u_com, 0.0) * m - gamma * (stot[u_com] * degree)
            best_com = u_com
            for c, wt in by_com.items():
                gain = wt * m - gamma * (stot[c] * degree)
                if gain > best_gain:
                    best_gain = gain
                    best_com = c
            stot[best_com] += degree
            if best_com != u_com:
                partition[u_com].difference_update(members[u])
                partition[best_com].update(members[u])
                inner[u_com].remove(u)
                inner[best_com].add(u)
                improvement = True
                moves += 1
                node2com[u] = best_com
    kept = {c: p for c, p in partition.items() if p}
    return kept, {c: inner[c] for c in kept}, improvement, degrees


def _aggregate(
    level: _Level, inner: dict[int, set[int]], partition: dict[int, set[int]]
) -> tuple[_Level, dict[int, set[int]]]:
    """Collapse each community into one node (networkx ``_aggregate_graph``).

    The next level numbers the non-empty communities of all nodes in order; the nodes without
    ties are communities of their own, so a live community's number falls by the empty ones
    before it. Returns the next level and ``partition`` numbered by it.
    """
    new_index: dict[int, int] = {}
    empty = 0
    for c in level.nbrs:  # a community is named by a live node, in order
        if c in inner:
            new_index[c] = c - empty
        else:
            empty += 1
    node2com = {}
    members: dict[int, set[int]] = {}
    for c, part in inner.items():
        a = new_index[c]
        joined: set[int] = set()
        for u in part:
            node2com[u] = a
            joined.update(level.members[u])
        members[a] = joined
    out: dict[int, dict[int, float]] = {new_index[c]: {} for c in inner}
    for u, around in level.nbrs.items():
        for v, wt in around.items():
            if v < u:  # seen: each edge once, from its first node
                continue
            a, b = node2com[u], node2com[v]
            if b in out[a]:
                total = wt + out[a][b]
                out[a][b] = total
                out[b][a] = total
            else:
                out[a][b] = wt
                out[b][a] = wt
    key = {new_index[c]: level.key[c] for c in inner}
    nxt = _Level(out, members, key, level.size - empty)
    return nxt, {new_index[c]: p for c, p in partition.items()}


def _modularity(
    nbrs: dict[int, dict[int, float]],
    communities: list[set[int]] | None,
    degrees: dict[int, float],
    resolution: float,
) -> float:
    """Newman's modularity ``sum_c L_c / m - gamma (d_c / 2m)^2`` (networkx ``modularity``).

    Of the live nodes' communities (a node without ties adds 0 to every sum); ``None``: each
    live node alone, whose inside weight is its self-loop.
    """
    deg_sum = sum(degrees.values())
    m = deg_sum / 2
    if m == 0:
        return 0
    norm = 1 / deg_sum**2
    total = 0.0
    if communities is None:
        for u, around in nbrs.items():
            inside = 0.0 + around[u] if u in around else 0.0
            d = 0 + degrees[u]
            total += inside / m - resolution * d * d * norm
        return total
    for comm in communities:
        inside = 0.0
        seen: set[int] = set()
        for u in comm:
            for v, wt in nbrs[u].items():
                if v in comm and v not in seen:
                    inside += wt
            seen.add(u)
        d = sum(degrees[u] for u in comm)
        total += inside / m - resolution * d * d * norm
    return total


def polarity(labels: np.ndarray, capability: np.ndarray) -> float:
    """Effective number of poles, ``1 / sum_u c_u^2`` over units u (blocs and unaligned nations).

    ``c_u`` is a unit's share of world capability (Laakso & Taagepera 1979, "Effective number
    of parties", *Comparative Political Studies* 12(1), applied to power shares). With no
    capability anywhere (every share zero) the units count equally: the number of units.
    """
    total = capability.sum()
    if not total > 0:
        n_blocs = len(np.unique(labels[labels >= 0]))
        return float(n_blocs + np.count_nonzero(labels < 0))
    bloc_caps = np.bincount(labels[labels >= 0], weights=capability[labels >= 0])
    units = np.concatenate([bloc_caps[bloc_caps > 0], capability[labels < 0]]) / total
    return float(1.0 / np.sum(units**2))


def share_at_target(share: np.ndarray, target: np.ndarray) -> float:
    """Fraction of nations with an alliance guideline (target > 0) that meet it (NaN if none)."""
    has = target > 0
    if not has.any():
        return float("nan")
    return float(np.mean(share[has] >= target[has] - 1e-12))


def burden_correlation(gdp: np.ndarray, share: np.ndarray) -> float:
    r"""Spearman rank correlation between allies' GDP and defence share.

    Olson & Zeckhauser (1966) predict a positive value: large allies carry a disproportionate
    share of the common defence. Spearman's rho: the Pearson correlation of the ranks, ties
    taking their average rank (:func:`average_ranks`),

    .. math:: \rho = \operatorname{corr}(\operatorname{rank}(g), \operatorname{rank}(s)),

    computed as ``scipy.stats.spearmanr`` computes it (``np.corrcoef`` of the two rank columns,
    equal to its statistic bit for bit; scipy.stats itself is not imported: ~0.9 s of every
    command's start). NaN when there are fewer than three allies, either variable is constant
    (no ranking to correlate; scipy would warn) or holds a NaN (scipy's ``nan_policy``
    "propagate"). Spearman (1904), *Am. J. Psychol.* 15(1), 72-101.
    """
    if len(gdp) < 3 or np.ptp(gdp) == 0 or np.ptp(share) == 0:
        return float("nan")
    if np.isnan(gdp).any() or np.isnan(share).any():
        return float("nan")
    ranks = np.column_stack((average_ranks(gdp), average_ranks(share)))
    return float(np.corrcoef(ranks, rowvar=False)[1, 0])


def average_ranks(values: np.ndarray) -> np.ndarray:
    """Ranks 1..n of ``values``, tied values taking the mean of the ranks they span
    (``scipy.stats.rankdata(values, method="average")``): for a run of equal values at sorted
    positions :math:`i..j` (0-based), each gets :math:`(i + j)/2 + 1`."""
    values = np.asarray(values)
    order = np.argsort(values, kind="mergesort")
    ordered = values[order]
    new = np.r_[True, ordered[1:] != ordered[:-1]]  # where a run of equal values starts
    dense = np.empty(len(values), dtype=np.intp)
    dense[order] = np.cumsum(new)  # 1-based run number of each value
    # run k (1-based) spans the sorted positions ends[k-1] .. ends[k] - 1
    ends = np.r_[np.flatnonzero(new), len(values)]
    return 0.5 * (ends[dense] + ends[dense - 1] + 1)
