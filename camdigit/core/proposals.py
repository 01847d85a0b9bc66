"""Alternative readings of one blob of ink, and the choice among them by the model's judgement.

The finder cannot know whether a wide blob is one digit or several touching ones, or whether
parts stacked in a column are one digit or a digit of each of two close rows. It proposes every
way for the same ink (a *group*) as a small lattice: each proposal is an edge from one node to a
later one (node 0 is the blob's left edge, :data:`END` its right; cut columns lie between), and
every path from 0 to :data:`END` is one reading of the whole blob (the whole blob is the edge
0 -> END; two touching digits 0 -> c -> END; two rows 0 -> :data:`ROWS` -> END). The model reads
every proposal in the frame's one batched call, and :func:`choose` keeps, per group, the path
whose readings are likeliest all to be right digits (or nothing, when none is; a piece that
reads as nothing may be passed over beside sure digits): recognition decides the segmentation,
as the best digit-string readers do.
"""

from __future__ import annotations

import numpy as np

from camdigit.core.detections import Detections
from camdigit.core.form_fields import NO_FIELD

DIGIT_ASPECT = 1.2
"""Width over height that handwritten digits rarely exceed (a few of MNIST's widest 2s and 0s
reach it); a proposal wider than this is one digit with odds falling off as
:data:`WIDE_PENALTY` says."""

WIDE_PENALTY = 4.0
"""Log-odds lost per unit of width/height above :data:`DIGIT_ASPECT`."""

NARROW = 0.4
"""Width over height below which only a 1 is a whole digit (MNIST's narrowest others)."""

NARROW_PENALTY = 20.0
"""Log-odds lost per unit of width/height below :data:`NARROW`, for readings other than 1."""

CUT_COST = 5.0
"""Log-odds each extra piece of an option pays: a cut must explain the ink clearly better than
the whole, because the halves of a digit often look like digits to a model that never saw
halves."""

PIECE_COST = 3.0
"""Against nothing, each extra piece of a path pays only this (not :data:`CUT_COST`, which
weighs cuts against the whole): a number cut right reads as several likely digits, a word cut
into strokes as unlikely ones."""

SURE = 0.99
"""Readings are trusted up to this probability: beyond it a model's int8 output says little..."""

BEYOND_SURE = 0.1
"""... but not nothing: log-odds beyond :data:`SURE` count at this share (at most 0.92 more, at
:data:`MOST`), which ranks readings all sure at 0.99: a touching number cut into pieces each
read as sure as the model gets beats fewer pieces, one of them a digit and a half read sure
but less, where at :data:`SURE` alone every extra piece cost more (:data:`CUT_COST`) than its
reading gave. At 0.2 the figures were alike; a full share (:data:`SURE` at 0.9999) cut sure
digits apart."""

MOST = 1.0 - 1e-6
"""Probabilities are taken at most this close to 1 (a float32 softmax's resolution)."""

_SURE_ODDS = float(np.log(SURE / (1.0 - SURE)))

TALL_PENALTY = 8.0
"""Log-odds lost per doubling of height beyond :data:`TALL_SLACK` doublings above the writing."""

TALL_SLACK = 0.5
"""Heights within this many doublings (x1.41) of the frame's writing height cost nothing."""

END = 1 << 20
"""The node at a group's right end (every reading of the blob is a path from node 0 to it)."""

ROWS = END - 1
"""The node between a column's upper and lower row."""


def log_odds(
    boxes: np.ndarray,
    digits: np.ndarray,
    is_digit: np.ndarray,
    confidences: np.ndarray,
    writing: float = 0.0,
    pieces: np.ndarray | None = None,
    standing: float | np.ndarray = 0.0,
) -> np.ndarray:
    """Each proposal's log-odds of being one digit read right against being nothing: from the
    model's is_digit times its confidence, less penalties for a shape wider than digits are,
    a sliver narrower than any digit but a 1 (a digit's side cut off), and a height far above
    the frame's ``writing`` height (two rows taken as one tall digit; 0: no such penalty).
    The ``pieces`` of blobs cut apart (a mask) pay as much for a height as far below the
    ``standing`` digits' (:func:`camdigit.core.writing_heights.standing_height`, or per proposal
    :func:`camdigit.core.writing_heights.piece_heights`;
    0: no such penalty): the digits of a number
    written touching are as tall as the digits written apart, the small letters of a word cut
    into strokes are not (``python -m benchmarks.run``: clutter pages' false digits 3.7 -> 3.0
    per image with this penalty, touching pages' digits read 72.74 -> 72.41%)."""
    aspect = boxes[:, 2] / np.maximum(boxes[:, 3], 1)
    score = reading_odds(is_digit * confidences, digits != 1)
    score -= WIDE_PENALTY * np.maximum(aspect - DIGIT_ASPECT, 0.0)
    score -= NARROW_PENALTY * np.where(digits == 1, 0.0, np.maximum(NARROW - aspect, 0.0))
    if writing > 0:
        score -= TALL_PENALTY * np.maximum(np.log2(boxes[:, 3] / writing) - TALL_SLACK, 0.0)
    held = np.broadcast_to(np.asarray(standing, np.float64), score.shape)
    if pieces is not None and (held > 0).any():
        short = np.log2(np.maximum(held, 1) / np.maximum(boxes[:, 3], 1)) - TALL_SLACK
        score -= TALL_PENALTY * np.where(pieces & (held > 0), np.maximum(short, 0.0), 0.0)
    return score


def reading_odds(p: np.ndarray, beyond: np.ndarray) -> np.ndarray:
    """Log-odds of probabilities, those beyond :data:`SURE` counted at :data:`BEYOND_SURE`
    where ``beyond`` (not for a 1: any stroke, a digit's side cut off, reads as a surest 1)."""
    p = np.clip(p, 1e-4, MOST)
    odds = np.log(p / (1.0 - p))
    capped = np.minimum(odds, _SURE_ODDS)
    return capped + beyond * BEYOND_SURE * (odds - capped)


def uncut(start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """(N,) bool: the proposals that are their blob whole (the lattice's edge 0 -> :data:`END`),
    from their ``start`` and ``end`` nodes."""
    return (start == 0) & (end == END)


def contested(group: np.ndarray) -> np.ndarray:
    """(N,) bool: proposals whose ``group`` has alternatives (the model must choose)."""
    if len(group) == 0:
        return np.zeros(0, bool)
    return np.bincount(group)[group] > 1


ALONE = 3.0
"""Log-odds (p = 0.95) a reading needs to be reported beside ink of its blob that is no digit
(:func:`choose`): two touching digits of which one is too mangled to read."""


def choose(
    group: np.ndarray,
    start: np.ndarray,
    end: np.ndarray,
    scores: np.ndarray,
    digits: np.ndarray | None = None,
) -> np.ndarray:
    """Which proposals to keep: per group with alternatives, the path from node 0 to
    :data:`END` with the highest sum of ``scores`` (log-odds) less :data:`CUT_COST` per piece
    beyond the first, if its readings are above nothing's 0 (a word cut into letters is
    nothing). A group of one proposal keeps it: the model's is_digit and confidence filters
    judge it.

    With the readings' ``digits``, a piece may also be passed over as no digit (log-odds 0,
    and a cut's cost like any piece): where a blob is two touching digits and one is too
    mangled to read, the other is still read. The pieces kept on such a path must stand
    alone: read with :data:`ALONE` log-odds, and not as a 1, which any stroke of a letter or
    a mark beside the blob reads as."""
    keep = np.zeros(len(group), bool)
    if len(group) == 0:
        return keep
    alone = None if digits is None else (scores >= ALONE) & (digits != 1)
    order = np.argsort(group, kind="stable")
    bounds = np.flatnonzero(np.diff(group[order])) + 1
    for members in np.split(order, bounds):
        if len(members) == 1:
            keep[members] = True
            continue
        path = _best_path(
            start[members],
            end[members],
            scores[members] - CUT_COST,
            None if alone is None else alone[members],
        )
        if path is not None:
            keep[members[path]] = True
    return keep


def _best_path(
    start: np.ndarray, end: np.ndarray, gain: np.ndarray, alone: np.ndarray | None = None
) -> list[int] | None:
    """Edges of the best path 0 -> END through a small DAG (nodes ascend along every edge),
    or None when no path gains more than nothing (a path's first piece is free).

    With ``alone`` (per edge), every edge but the whole blob's may also be passed over, for
    nothing's log-odds 0 less :data:`CUT_COST`, and is then not on the returned path, and so
    may the ink between the first node and the next, or the last but one and :data:`END`,
    where no edge runs (a piece too wide to be proposed); a path that passes over any ink
    takes only edges that ``alone`` marks. The best path to each node
    is kept apart per state: taken edges only, some not alone (0); taken edges only, all
    alone (1); some passed over, the taken ones all alone (2)."""
    lone = np.zeros(len(gain), bool) if alone is None else alone
    best: dict[tuple[int, int], tuple[float, list[int]]] = {(0, 1): (0.0, [])}
    nodes = sorted(set(start.tolist()) | set(end.tolist()) | {0, END})
    for at, node in enumerate(nodes):
        for state in (0, 1, 2):
            if (node, state) not in best:
                continue
            total, path = best[node, state]
            # the ink between the blob's first or last cut and its end may be passed over
            # where no piece of it was proposed (a digit too wide for a piece, a fat 0,
            # beside one read alone); not ink between two cuts (a box's post and its side)
            target = END if node == END else nodes[at + 1]
            may_pass = alone is not None and state != 0 and (node == 0 or target == END != node)
            passed = total - CUT_COST
            if may_pass and ((target, 2) not in best or passed > best[target, 2][0]):
                best[target, 2] = (passed, path)
            for k in np.flatnonzero(start == node).tolist():
                target = int(end[k])
                moves = []
                if state == 0 or not lone[k]:
                    if state != 2:
                        moves.append((0, total + float(gain[k]), [*path, k]))
                else:
                    moves.append((state, total + float(gain[k]), [*path, k]))
                if alone is not None and state != 0 and (node, target) != (0, END):
                    moves.append((2, total - CUT_COST, path))
                for after, candidate, taken in moves:
                    if (target, after) not in best or candidate > best[target, after][0]:
                        best[target, after] = (candidate, taken)
    ends = [best[END, state] for state in (0, 1, 2) if (END, state) in best]
    ends = [(total, path) for total, path in ends if path]
    if not ends:
        return None
    path = max(ends, key=lambda option: option[0])[1]
    # against nothing, the path's own readings count, not the cost of cutting: a number cut
    # right reads as several likely digits, a word cut into strokes as unlikely ones
    readings = float(gain[path].sum()) + CUT_COST * len(path)
    if readings - PIECE_COST * (len(path) - 1) <= 0:
        return None
    return path


CLEAR_PIECE = 0.6
"""A piece of a blob cut into touching digits reads at least this confidently, or none of the
blob's pieces is reported (:func:`unclear_cuts`). At 0.75 (until the sixteenth session) a piece
holding a sliver of its overlapping neighbour, read right at 0.6-0.75, took its blob's other
digits with it: touching 72.41 -> 73.24% read at 0.6 (seeds 13 and 21: 67.44 -> 70.11%, 68.86
-> 69.75%), for 0.2 more false digits per clutter page on seed 2026 (a letter's pieces); the
real photos and their variants as before; 0.5 gave no more."""

CLEAR_ROW = 0.95
"""... and a piece of a blob cut between rows at least this confidently, and the blob is cut
only where it reads less clearly as one digit: a symbol taller than the writing (an integral
sign, a bracket) cut across its stroke leaves a hook and a stem that read as a 0 and a 1, each
with some doubt, and an 8 cut at its waist two sure 0s, where two rows' digits joined by a
stroke read as sure as any digit of the page, and together as no sure digit."""


def unclear_cuts(
    group: np.ndarray, clear: np.ndarray, confidences: np.ndarray, read: np.ndarray
) -> np.ndarray:
    """(N,) bool: the chosen pieces of cut blobs not to report: all the pieces of a ``group``
    one of which was ``read`` with a confidence below its ``clear`` (after its reading
    upright, on a slanted line; 0 for what is not a piece). A doubtful piece means the cuts
    went wrong (a letter or a cross cut into strokes, a box's post cut from the digit beside
    it), and the readings of the other pieces, cut by the same cuts, are no better."""
    cut = clear > 0
    weak = cut & read & (confidences < clear)
    if not weak.any():
        return np.zeros(len(group), bool)
    return cut & np.isin(group, group[weak])


def settled(
    group: np.ndarray, start: np.ndarray, end: np.ndarray, steady: np.ndarray
) -> np.ndarray:
    """Proposals of groups with alternatives that a tracker has already settled: where the
    proposals following steady tracks (``steady``) make a whole path 0 -> END of their group,
    that path is kept without reading the group again (a video's touching digits are cut once,
    then followed). Returns (N,) bool: the settled path's proposals."""
    chosen = np.zeros(len(group), bool)
    if len(group) == 0:
        return chosen
    # plain digits (groups of one) have no path to settle: only groups with alternatives are
    # visited, not every steady track of the frame
    contested = np.bincount(group)[group] > 1
    for g in np.unique(group[steady & contested]):
        members = np.flatnonzero(group == g)
        gain = np.where(steady[members], 1.0, -1e9)
        path = _best_path(start[members], end[members], gain)
        if path is not None and steady[members[path]].all():
            chosen[members[path]] = True
    return chosen


def unbeatable() -> float:
    """The score above which a blob read whole keeps its group without its pieces being read:
    two pieces read at :data:`SURE`, less :data:`CUT_COST`, score no more (what readings
    beyond it add, :data:`BEYOND_SURE`, ranks sure readings, not a sure whole against its
    pieces). Cutting a blob and reading its pieces only where the whole is in doubt saves the
    finder's cuts and the model's reading of most of them on an ordinary page."""
    return 2.0 * _SURE_ODDS - CUT_COST


def proposals(
    boxes: np.ndarray,
    crops: list[np.ndarray],
    group: np.ndarray | None = None,
    start: np.ndarray | None = None,
    end: np.ndarray | None = None,
    contrast: np.ndarray | None = None,
    level: np.ndarray | None = None,
    cuttable: np.ndarray | None = None,
    clear: np.ndarray | None = None,
    field: np.ndarray | None = None,
    grain: np.ndarray | None = None,
) -> Detections:
    """Digit proposals as unread :class:`Detections`, their extras in ``data``:

    - ``crops``: N uint8 grey crops, dark ink, white around it;
    - ``group``: (N,) int64; proposals of one group are alternatives for the same ink, each an
      edge from node ``start`` to node ``end`` (both (N,) int64) of the group's lattice
      (:mod:`camdigit.core.proposals`); one path through each group is kept
      (:func:`camdigit.core.proposals.choose`). A group of one proposal is a plain digit;
      by default each proposal is its own group, from node 0 (the whole blob) to ``END``;
    - ``contrast``: (N,) float32, the ink over its ground's grain (default: inf);
    - ``level``: (N,) float32, the paper's grey level at the proposal (default: 255);
    - ``grain``: (N,) float32, its ground's grain as a share of that level (default: 0, paper
      with no grain; :func:`camdigit.core.crops.ink_contrast`);
    - ``cuttable``: (N,) bool, a blob wider than a digit proposed whole whose pieces between
      its cuts are not proposed yet: they are made (:func:`camdigit.core.cuts.cut_pieces`)
      and read only where the model is not sure of the whole (default: none);
    - ``clear``: (N,) float32, for a piece of a blob cut between touching digits
      (:func:`camdigit.core.cuts.cut_pieces`) or rows (:func:`camdigit.core.rows.row_cuts`),
      the confidence every piece of the cut must be read with (:func:`unclear_cuts`); 0 for
      what is not cut (default: none is);
    - ``lined``: (N,) bool, none here: the finder marks the slim proposals whose stroke goes on
      beyond their ends, as dark, along their own direction: pieces of longer lines (a plank's
      seam, a page's edge), no digits (:func:`camdigit.core.crops.line_pieces`);
    - ``field``: (N,) int64, the printed box or comb each is written in
      (:func:`camdigit.core.form_fields.digit_fields`, which the finder fills in once its
      proposals stand), one number each (default: :data:`NO_FIELD`, none);
    - ``side``: (N,) bool, none here: the finder marks the whole digits it cut from a number
      the frame's side cuts (:mod:`camdigit.core.side_cuts`).
    - ``bars``: N :class:`camdigit.core.faint_rest.BarView` or None, none here: the finder
      gives each slim proposal what it saw around it, where the faint rest of a digit a smear
      left a bar of is looked for once the bar is read as 1
      (:func:`camdigit.core.faint_rest.read_rests`).
    """
    n = len(boxes)
    return Detections(
        boxes,
        data={
            "crops": crops,
            "group": np.arange(n, dtype=np.int64) if group is None else group,
            "start": np.zeros(n, np.int64) if start is None else start,
            "end": np.full(n, END, np.int64) if end is None else end,
            "contrast": np.full(n, np.inf, np.float32) if contrast is None else contrast,
            "level": np.full(n, 255.0, np.float32) if level is None else level,
            "grain": np.zeros(n, np.float32) if grain is None else grain,
            "cuttable": np.zeros(n, bool) if cuttable is None else cuttable,
            "clear": np.zeros(n, np.float32) if clear is None else clear,
            "lined": np.zeros(n, bool),
            "bars": [None] * n,
            "side": np.zeros(n, bool),
            "field": np.full(n, NO_FIELD, np.int64) if field is None else field,
        },
    )
