"""Numbers kept steady across the frames of one video or camera.

A number is identified by its digits' tracks (:mod:`camdigit.core.tracking`), not by its text or
place: the camera moves, and a digit's reading may flicker. Two things are remembered:

- for each pair of tracks that stood side by side on a line, whether the gap between them
  joined them, over the last frames. The pair is joined when most of those frames joined it,
  so one frame whose gap reads a little wider (blur, a hand, a box a few pixels off) does not
  split the number for that frame;
- which tracks each number held, so that a number keeps its id while it is the same number
  (a digit coming into view or leaving it does not make it another).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, replace

import numpy as np

from camdigit.core.detections import NO_TRACK, Number

DEFAULT_WINDOW = 9
"""Frames over which a pair's joins are voted (0.6 s at 15 frames per second)."""

DEFAULT_KEEP = 15
"""Frames a number's id is kept while none of its tracks is seen (a hand passing over)."""


@dataclass
class _Known:
    id: int
    tracks: frozenset[int]
    unseen: int = 0  # frames since last seen


class NumberHistory:
    """Voted joins between neighbouring tracks, and steady number ids, for one source.

    Args:
        window: frames over which each pair's join is voted.
        keep: frames a number's id survives while unseen.
    """

    def __init__(self, window: int = DEFAULT_WINDOW, keep: int = DEFAULT_KEEP) -> None:
        if window < 1 or keep < 0:
            raise ValueError(f"window must be at least 1 and keep 0 or more, got {window}, {keep}")
        self.window = window
        self.keep = keep
        self.reset()

    def reset(self) -> None:
        """Forget everything (a new video, a jump in the stream)."""
        self._joins: dict[tuple[int, int], deque[bool]] = {}
        self._known: list[_Known] = []
        self._next_id = 1

    def vote(
        self, tracks: np.ndarray, members: list[tuple[int, ...]], joins: list[np.ndarray]
    ) -> list[np.ndarray]:
        """This frame's joins (per line, between neighbours ``members[k], members[k + 1]``)
        replaced by the majority of each tracked pair's recent joins, this frame's included; a
        tie keeps this frame's."""
        voted = []
        seen: set[tuple[int, int]] = set()
        track_list = tracks.tolist()  # plain ints: indexing an array per pair costs more
        for line, joined in zip(members, joins, strict=True):
            out = joined.copy()
            for k, join in enumerate(joined.tolist()):
                a, b = track_list[line[k]], track_list[line[k + 1]]
                if a == NO_TRACK or b == NO_TRACK:
                    continue
                history = self._joins.setdefault((a, b), deque(maxlen=self.window))
                history.append(bool(join))
                seen.add((a, b))
                yes = sum(history)
                no = len(history) - yes
                out[k] = yes > no or (yes == no and bool(join))
            voted.append(out)
        # pairs not side by side this frame age out: their digits moved apart or left
        for pair in list(self._joins):
            if pair not in seen:
                history = self._joins[pair]
                history.popleft()
                if not history:
                    del self._joins[pair]
        return voted

    def name(self, numbers: list[Number], tracks: np.ndarray) -> list[Number]:
        """The numbers with ids: a number keeps the id of the known number with which it shares
        the most tracks (each id given once per frame); others get new ids."""
        track_list = tracks.tolist()
        sets = [
            frozenset(t for t in (track_list[m] for m in n.members) if t != NO_TRACK)
            for n in numbers
        ]
        # Shared tracks counted through an index of the known numbers by track, not by
        # intersecting every number with every known one (a few dozen of each per frame). Pairs
        # sharing no track are left out: they are never matched.
        holders: dict[int, list[int]] = {}
        for j, known in enumerate(self._known):
            for t in known.tracks:
                holders.setdefault(t, []).append(j)
        pairs = []
        for i, s in enumerate(sets):
            shared: dict[int, int] = {}
            for t in s:
                for j in holders.get(t, ()):
                    shared[j] = shared.get(j, 0) + 1
            for j, count in shared.items():
                known = self._known[j]
                if count * 2 >= min(len(s), len(known.tracks)):
                    pairs.append((count, -known.unseen, i, j))
        pairs.sort(reverse=True)
        ids: list[int | None] = [None] * len(numbers)
        taken: set[int] = set()
        for count, _, i, j in pairs:
            if count == 0 or ids[i] is not None or j in taken:
                continue
            ids[i] = self._known[j].id
            taken.add(j)
            self._known[j].tracks = sets[i]
            self._known[j].unseen = 0
        for j, known in enumerate(self._known):
            if j not in taken:
                known.unseen += 1
        self._known = [k for k in self._known if k.unseen <= self.keep]
        for i, s in enumerate(sets):
            if ids[i] is None:
                new_id = ids[i] = self._next_id
                self._next_id += 1
                if s:
                    self._known.append(_Known(new_id, s))
        return [replace(n, id=i) for n, i in zip(numbers, ids, strict=True)]


def carried_ids(
    before: list[Number], old_tracks: np.ndarray, after: list[Number], tracks: np.ndarray
) -> list[Number]:
    """``after``, a frame's numbers grouped again (a digit added to its reading), with the ids
    of ``before``, its numbers as the history named them (``old_tracks`` and ``tracks``: the
    digits' tracks in each): a number takes the id of the first earlier number that shares a
    tracked digit with it, each id once; the others have none, as a photo's."""
    ids: dict[int, int] = {}
    for number in before:
        for m in number.members:
            if number.id is not None and old_tracks[m] != NO_TRACK:
                ids.setdefault(int(old_tracks[m]), number.id)
    used: set[int] = set()
    out = []
    for number in after:
        taken = [ids.get(int(tracks[m])) for m in number.members]
        free = [i for i in taken if i is not None and i not in used]
        if free:
            used.add(free[0])
            number = replace(number, id=free[0])
        out.append(number)
    return out
