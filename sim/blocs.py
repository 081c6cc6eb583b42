"""Blocs on a signed graph: alliance ties positive, rivalries and hostility negative.

Pure functions on dense (N, N) arrays (no Mesa, no Hydra). The communities maximise the signed
modularity of Gómez, Jensen & Arenas (2009, "Analysis of community structure in networks of
correlated data", *Phys. Rev. E* 80, 016114) and Traag & Bruggeman (2009, "Community detection
in networks with positive and negative links", *Phys. Rev. E* 80, 036115)::

    Q = sum_ij [(w+_ij - g+ k+_i k+_j / 2m+) - (w-_ij - g- k-_i k-_j / 2m-)] d(c_i, c_j)
        / (2m+ + 2m-)

found by Louvain moves and aggregation (Blondel et al. 2008), then repaired so that no community
holds a negative pair: rivals never share a bloc through a bridge state.
"""

from __future__ import annotations

import random
from typing import NamedTuple

import numpy as np

#: hostility (either way) from which a non-allied pair is a negative edge of the signed graph
HOSTILE_EDGE = 0.5


def signed_edges(
    commitment: np.ndarray, hostility: np.ndarray, threshold: float = HOSTILE_EDGE
) -> tuple[np.ndarray, np.ndarray]:
    """Positive and negative weights of the signed graph, each (N, N), symmetric, 0 diagonal.

    ``w+ = commitment`` (the tie's weight, 0 without a tie); ``w- = max(h_ij, h_ji)`` where that
    reaches ``threshold`` and the pair is not allied.
    """
    pos = np.maximum(commitment, commitment.T).astype(float)
    h = np.maximum(hostility, hostility.T)
    neg = np.where((h >= threshold) & (pos == 0), h, 0.0)
    for m in (pos, neg):
        np.fill_diagonal(m, 0.0)
    return pos, neg


def signed_modularity(
    pos: np.ndarray,
    neg: np.ndarray,
    labels: np.ndarray,
    gamma_pos: float = 1.0,
    gamma_neg: float = 1.0,
) -> float:
    """The signed modularity ``Q`` of a partition (formula in the module docstring)."""
    same = labels[:, None] == labels[None, :]
    two_mp, two_mn = pos.sum(), neg.sum()
    total = two_mp + two_mn
    if total == 0:
        return 0.0
    q = 0.0
    if two_mp > 0:
        kp = pos.sum(axis=1)
        q += (pos - gamma_pos * np.outer(kp, kp) / two_mp)[same].sum()
    if two_mn > 0:
        kn = neg.sum(axis=1)
        q -= (neg - gamma_neg * np.outer(kn, kn) / two_mn)[same].sum()
    return float(q / total)


def _move_gains(
    u: int,
    pos: np.ndarray,
    neg: np.ndarray,
    com: np.ndarray,
    n_com: int,
    tot_pos: np.ndarray,
    tot_neg: np.ndarray,
    two_mp: float,
    two_mn: float,
    gamma_pos: float,
    gamma_neg: float,
) -> np.ndarray:
    """Gain (times 2m+ + 2m-) of putting node ``u``, taken out of its community, in each one."""
    wp = np.bincount(com, weights=pos[u], minlength=n_com)
    wn = np.bincount(com, weights=neg[u], minlength=n_com)
    wp[com[u]] -= pos[u, u]
    wn[com[u]] -= neg[u, u]
    gain = 2 * wp
    if two_mp > 0:
        gain -= 2 * gamma_pos * pos[u].sum() * tot_pos / two_mp
    gain -= 2 * wn
    if two_mn > 0:
        gain += 2 * gamma_neg * neg[u].sum() * tot_neg / two_mn
    return gain


def _one_level(pos, neg, rng, gamma_pos, gamma_neg, two_mp, two_mn):
    n = len(pos)
    com = np.arange(n)
    kp, kn = pos.sum(axis=1), neg.sum(axis=1)
    tot_pos, tot_neg = kp.copy(), kn.copy()
    order = list(range(n))
    rng.shuffle(order)
    moved_any = False
    moved = True
    while moved:
        moved = False
        for u in order:
            c = com[u]
            tot_pos[c] -= kp[u]
            tot_neg[c] -= kn[u]
            gain = _move_gains(
                u, pos, neg, com, n, tot_pos, tot_neg, two_mp, two_mn, gamma_pos, gamma_neg
            )
            best = int(np.argmax(gain))
            if gain[best] <= gain[c] + 1e-12:
                best = c
            com[u] = best
            tot_pos[best] += kp[u]
            tot_neg[best] += kn[u]
            if best != c:
                moved = moved_any = True
    _, com = np.unique(com, return_inverse=True)
    return com, moved_any


def signed_louvain(
    pos: np.ndarray,
    neg: np.ndarray,
    seed: int | None = 0,
    gamma_pos: float = 1.0,
    gamma_neg: float = 1.0,
) -> np.ndarray:
    """Community label of each node maximising the signed modularity (Louvain, seeded).

    Each level moves every node (in an order shuffled by ``random.Random(seed)``) to the
    community of largest gain while any gain is positive, then collapses communities into nodes
    (weights summed, self-loops kept) and repeats until a level moves nothing.
    """
    n = len(pos)
    labels = np.arange(n)
    if n == 0:
        return labels
    rng = random.Random(seed)
    two_mp, two_mn = float(pos.sum()), float(neg.sum())
    p, q = pos.astype(float), neg.astype(float)
    while True:
        com, moved = _one_level(p, q, rng, gamma_pos, gamma_neg, two_mp, two_mn)
        if not moved:
            break
        labels = com[labels]
        z = np.zeros((len(p), com.max() + 1))
        z[np.arange(len(p)), com] = 1.0
        p, q = z.T @ p @ z, z.T @ q @ z
    return labels


def separate_rivals(
    labels: np.ndarray,
    pos: np.ndarray,
    neg: np.ndarray,
    gamma_pos: float = 1.0,
    gamma_neg: float = 1.0,
) -> np.ndarray:
    """Move nodes until no community holds a negative pair.

    While some node has a negative edge inside its community, the node with the largest such
    weight (lowest index on ties) moves to the community of highest modularity gain among those
    where it has no negative edge, or alone. Each move removes its violations and adds none,
    so this ends.
    """
    labels = labels.copy()
    two_mp, two_mn = float(pos.sum()), float(neg.sum())
    kp, kn = pos.sum(axis=1), neg.sum(axis=1)
    while True:
        same = labels[:, None] == labels[None, :]
        inside = np.where(same, neg, 0.0).sum(axis=1)
        if not (inside > 0).any():
            return labels
        u = int(np.argmax(inside))
        n_com = int(labels.max()) + 2  # the last one is a new, empty community
        tot_pos = np.bincount(labels, weights=kp, minlength=n_com)
        tot_neg = np.bincount(labels, weights=kn, minlength=n_com)
        tot_pos[labels[u]] -= kp[u]
        tot_neg[labels[u]] -= kn[u]
        gain = _move_gains(
            u, pos, neg, labels, n_com, tot_pos, tot_neg, two_mp, two_mn, gamma_pos, gamma_neg
        )
        hostile_in = np.bincount(labels, weights=neg[u], minlength=n_com) > 0
        gain[hostile_in] = -np.inf
        gain[labels[u]] = -np.inf
        labels[u] = int(np.argmax(gain))
        _, labels = np.unique(labels, return_inverse=True)


class SignedBlocs(NamedTuple):
    """Blocs of the signed graph."""

    members: list[np.ndarray]  #: rows of each bloc (two or more nations), unordered
    communities: np.ndarray  #: (N,) community label of every node (before dropping loners)


def signed_blocs(
    commitment: np.ndarray,
    hostility: np.ndarray,
    seed: int | None = 0,
    resolution: float = 0.5,
    threshold: float = HOSTILE_EDGE,
) -> SignedBlocs:
    """Blocs: signed-modularity communities with no rival pair, of nations allied inside them.

    ``resolution`` is ``gamma+`` (below 1: camp-sized blocs, as for the unsigned blocs);
    ``gamma- = 1``. A member of a community with no tie to any other member of it is unaligned;
    a bloc keeps two or more nations.

    Parameters
    ----------
    commitment : (N, N) tie weights (0: no tie).
    hostility : (N, N) perceived or baseline hostility in [0, 1].
    """
    pos, neg = signed_edges(commitment, hostility, threshold)
    labels = signed_louvain(pos, neg, seed, resolution, 1.0)
    labels = separate_rivals(labels, pos, neg, resolution, 1.0)
    same = labels[:, None] == labels[None, :]
    tied = ((pos > 0) & same).any(axis=1)
    members = []
    for c in np.unique(labels):
        rows = np.flatnonzero((labels == c) & tied)
        if len(rows) > 1:
            members.append(rows.astype(np.int64))
    return SignedBlocs(members, labels)
