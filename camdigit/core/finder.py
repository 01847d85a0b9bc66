"""Finding handwritten digits in a frame: measure the writing, propose generously, let the
model judge.

1. **Ink** (:mod:`camdigit.core.ink`): the writing's polarity is measured (light chalk on a board is
   inverted), then ink is what is clearly darker than the paper around it, the paper measured
   through a window a few stroke widths wide, chosen per region from the strokes themselves.
2. **Parts** (:mod:`camdigit.core.segmentation`): a form's printed boxes are erased first
   (blobs shaped as a frame of cells, :mod:`camdigit.core.form_boxes`; a grey form's at the
   faint level); outer contours; blobs longer than the writing is tall (measured from the
   blobs) are ruled lines, a grid or a page's edge, and their straight runs are erased
   (:mod:`camdigit.core.ruled_lines`), and so are the lines far thinner than a big blob's own
   pen that run through it (a closeup's digits on a ruled line,
   :mod:`camdigit.core.thin_lines`); parts that overlap horizontally and sit close vertically
   are one digit, but a part cut by the frame's border joins none (the next row
   leaving a moving camera's frame must not take the whole digit below it along); of a number
   written tight that runs out of a still's side, the digits the side left whole are proposed
   (:mod:`camdigit.core.side_cuts`).
3. **Proposals**: every group of parts at least a few pixels tall, whose ink stands out of the
   grain of its own ground and whose surroundings are mostly clear, is proposed, with
   alternatives where the finder cannot tell: a blob wider than a digit whole and cut along
   the routes between its digits (:func:`camdigit.core.cuts.cut_paths`; the ink between two
   cuts, as wide as a digit, is a piece; cut by the pipeline only where the model doubts the
   whole, :func:`camdigit.core.cuts.cut_pieces`; one blob two rows tall likewise between its
   rows, :func:`camdigit.core.rows.row_cuts`), a column of parts far taller than
   the frame's digits whole and row by row (every run of its bands up to two digits tall), two
   parts side by side, or a bar over a part (a 5's flag stroke over its bowl), apart and
   together, and a part with a bar too thin to be read alone above its top (a 5's flag drawn
   apart) with and without it (:mod:`camdigit.core.alternatives`). The shape
   limits left are loose sanity bounds relative to the digit's own height or the measured pen
   (an upright "1" is one stroke wide however tall), not the decision:
   the model reads every proposal in one batched call and :func:`camdigit.core.proposals.choose`
   keeps the likeliest reading of each blob (or none of it; or, of two touching digits one of
   which is too mangled to read, the sure one). Each proposal carries its ink's
   contrast over its ground's grain: the pipeline drops what stands out far less than the
   frame's confident digits do (:func:`camdigit.core.faint_marks.faint`). A slim proposal whose
   stroke runs on past both its ends, as dark, is marked ``lined``: a piece of a longer line
   (a plank's seam, a page's edge), which the pipeline does not report
   (:func:`camdigit.core.crops.line_pieces`). After the reading, the marks whose shape or
   surroundings tell them from the digit they look like in their crop (a T, the arms of a V, a
   cursive d, a letter of a word) are not reported either (:mod:`camdigit.core.reported`).
4. **Crops**: each proposal's own ink on white (a neighbour's stroke or a line in its box is
   blanked), ready for :func:`camdigit.core.preprocess.normalize_digit` with ``ink="dark"``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import cv2
import numpy as np

from camdigit.core.alternatives import (
    FrameInk,
    Proposals,
    add_cuts,
    add_flagged,
    add_pair,
    add_rows,
)
from camdigit.core.crops import Ground, line_pieces, ring_shares
from camdigit.core.cuts import MAX_WIDTH
from camdigit.core.detections import Detections, inside_frame
from camdigit.core.faint_rest import SLIM, bar_views
from camdigit.core.form_boxes import box_lines, erase_boxes, faint_box_lines
from camdigit.core.form_fields import digit_fields
from camdigit.core.frame_border import whole_in_frame
from camdigit.core.ink import InkPolarity, find_ink
from camdigit.core.pixels import Shrunk, to_bgr8
from camdigit.core.proposals import NARROW, proposals
from camdigit.core.rows import typical_height
from camdigit.core.ruled_lines import erase_lines, line_outlines
from camdigit.core.segmentation import (
    CROP_PAD,
    all_contours,
    blob_boxes,
    crowded_boxes,
    group_boxes,
    merge_parts,
    outer_contours,
    side_by_side,
    stacked,
)
from camdigit.core.side_cuts import add_side_cut, on_a_side
from camdigit.core.thin_lines import thin_lines
from camdigit.core.upright_ones import upright_ones
from camdigit.core.writing_heights import blob_writing_height

__all__ = ["CROP_PAD", "DigitFinder", "FinderConfig", "merge_parts", "to_gray", "whole_in_frame"]

_GROW = np.ones((3, 3), np.uint8)


@dataclass(frozen=True)
class FinderConfig:
    """Thresholds of the digit finder, each relative to a measured quantity (or a pixel floor).

    None is a frame fraction except ``paper_window`` (the narrowest paper window, widened per
    region where the strokes need it) and ``line_side`` (a floor under the measured line length,
    so a page of small digits still erases a ruled line that breaks into digit-long pieces).
    """

    ink: InkPolarity = "auto"  # "dark" ink on light paper, "light" on a dark board, or measured
    ink_ratio: float = 0.77  # ink is darker than this fraction of the paper around it
    faint_ratio: float = 0.86  # ... and a stroke goes on while darker than this (both depths
    # below the paper scaled down where the frame's writing is faint: ink_depth)
    ink_margin: int = 14  # ... and darker by at least this many grey levels (sensor noise)
    min_height_px: int = 9  # the model needs this many pixels of a digit to read it
    min_aspect: float = 0.06  # width / own height; narrower only an upright "1" as wide
    # as the pen (see camdigit.core.upright_ones)
    max_aspect: float = 2.0  # wider than this (of its height) is proposed only cut in pieces
    split_aspect: float = 1.0  # wider than this (of its height: no digit is) is also cut
    main_part: float = 0.35  # a digit's largest part spans at least this share of its box
    max_fill: float = 0.9  # ink over its box, for blobs wider than half their height: a blot
    # (a marker's stroke a quarter of the digit's height, the thickest pen, leaves a 0 two
    # thirds as wide as tall a hole of 0.15 x 0.5 of its height: it fills 0.88 of its box)
    rows_height: float = 1.4  # a column of parts (or one blob) this many of the frame's
    # typical digit heights tall may be two rows (camdigit.core.rows)
    merge_gap: float = 0.3  # vertical gap between parts of one digit, fraction of its height
    merge_overlap: float = 0.45  # horizontal overlap of parts of one digit, fraction of narrower
    dim_paper: float = 0.6  # paper darker than this share of the page's brightest is "dim"...
    dim_ink: float = 0.45  # ... (a desk, a deep shadow): there ink is darker than this of it
    line_length: float = 1.2  # a blob longer than this many writing heights is a line...
    line_side: float = 0.25  # ... and so, at least, is one longer than this of the shorter side
    paper_window: float = 0.05  # narrowest paper window, of the shorter side (see above)
    max_digits: int = 300  # at most this many proposals per frame (noise must not flood it);
    # where half as many candidates stand, those with the least ink a height around go first
    # (a speckled wall's blobs, found bottom up, took the budget from a page's digits)
    ring: float = 0.3  # the band around a digit, as a share of its height...
    max_ring_ink: float = 0.22  # ... holds at most this share of ink: digits sit on a ground
    # (the digits beside it in a number written tight not counted: FrameInk.clear_around)
    min_contrast: float = 5.0  # ink's depth below the paper, in units of its ground's grain

    @property
    def pale_ratio(self) -> float:
        """Halfway between the clear and the faint level: a faint stroke's core (where the
        writing around is faint, its clear level is lifted to this; a faint mark with a core
        this dark is writing)."""
        return (self.ink_ratio + self.faint_ratio) / 2

    def __post_init__(self) -> None:
        if not 0 < self.ink_ratio < 1:
            raise ValueError(f"ink_ratio must be in (0, 1), got {self.ink_ratio}")
        if self.min_aspect >= self.max_aspect:
            raise ValueError("min_aspect must be below max_aspect")
        if self.max_digits < 1:
            raise ValueError(f"max_digits must be at least 1, got {self.max_digits}")
        if self.ink not in ("auto", "dark", "light"):
            raise ValueError(f"ink must be 'auto', 'dark' or 'light', got {self.ink!r}")


def to_gray(frame: np.ndarray) -> np.ndarray:
    """A camera frame (BGR, BGRA or grayscale; 8 or 16 bit, or float) as 8-bit grayscale."""
    if frame.ndim not in (2, 3) or (frame.ndim == 3 and frame.shape[2] not in (1, 3, 4)):
        raise ValueError(f"a frame must be grayscale or BGR(A), got shape {frame.shape}")
    image = to_bgr8(frame)
    return cv2.cvtColor(image, cv2.COLOR_BGR2GRAY) if image.ndim == 3 else image


class DigitFinder:
    """Proposes digit-like ink blobs in frames (with alternatives) and cuts a clean crop of each."""

    def __init__(self, config: FinderConfig | None = None) -> None:
        self.config = config or FinderConfig()

    def find(self, frame: np.ndarray, copy: Shrunk | None = None) -> Detections:
        """The digit proposals of one frame (BGR or grayscale), the digits a frame's side left
        whole of a number running out of it too (:mod:`.side_cuts`, marked ``side``);
        ``copy``: :func:`camdigit.core.pixels.shrunk` of its grey, where the caller made it."""
        gray = to_gray(frame)
        height, width = gray.shape
        if min(height, width) < 8:
            return proposals(np.zeros((0, 4), np.int32), [])
        cfg = self.config
        gray, ink = find_ink(gray, cfg, cfg.ink, copy)
        mask, paper, step = ink.mask, ink.paper, ink.step
        min_h = cfg.min_height_px
        outlines = all_contours(mask)
        printed = box_lines(mask, *outlines, min_h)
        if ink.faint is not None:  # a grey form's boxes, closed only at the faint level
            printed += faint_box_lines(ink.faint, min_h, printed)
        if printed:  # a form's boxes: their walls would read as 1s
            mask = erase_boxes(mask, printed)
            outlines = all_contours(mask)
        contours = outer_contours(mask, outlines)
        boxes = blob_boxes(contours)
        writing = blob_writing_height(boxes, outlines, mask.shape, min_h, cfg.min_aspect)
        line = max(cfg.line_side * min(height, width), cfg.line_length * writing)
        if (boxes[:, 2:] > line).any():
            mask = erase_lines(mask, line_outlines(mask, line, outlines, boxes))
            contours = outer_contours(mask)
            boxes = blob_boxes(contours)
        thinned = thin_lines(mask, contours, boxes, cfg.line_side * min(height, width))
        if thinned is not mask:  # a thin line joining big writing
            mask = thinned
            contours = outer_contours(mask)
            boxes = blob_boxes(contours)

        # Specks far below a digit's size cannot help build one, and what is taller than the
        # writing (a dark ground around the page, what is left of a line) must not swallow the
        # digits near it; a blob may be as wide as a number of touching digits.
        w_all, h_all = boxes[:, 2], boxes[:, 3]
        longest = np.maximum(w_all, h_all)
        parts = np.flatnonzero(
            (longest >= max(2.0, min_h * 0.2)) & (h_all <= line) & (w_all <= MAX_WIDTH * line)
        )
        if len(parts) > 4 * cfg.max_digits:  # clutter: keep the largest blobs
            parts = parts[np.argsort(-(boxes[parts, 2] * boxes[parts, 3]))[: 4 * cfg.max_digits]]
        # a part touching the frame's border joins none, even one only reaching it (see
        # whole_in_frame): cut, joined to the whole digit below or beside it (the next row,
        # leaving a moving camera's frame) it would take that digit out of the frame with it,
        # and a shadow's or a desk's edge running out of the frame would swallow the digits
        # it passes
        cut = ~inside_frame(boxes[parts], width, height)
        group = merge_parts(boxes[parts], cfg.merge_gap, cfg.merge_overlap, cfg.max_aspect, cut)
        digit_boxes = group_boxes(boxes[parts], group)
        x, y, w, h = digit_boxes.T
        slim = w < cfg.min_aspect * h
        if (slim & (h >= min_h)).any():  # rare: only then is the pen measured
            slim &= ~upright_ones(
                digit_boxes, slim, parts, group, contours, ink.mask, mask, writing
            )
        # a candidate cut by the frame's border is not a whole digit; one whose curve only
        # reaches the border is (a moving camera's digit in the frame before it leaves)
        whole = whole_in_frame(gray, ink.mask, paper, step, digit_boxes)
        plausible = np.flatnonzero((h >= min_h) & ~slim & whole)
        # ... but a still's number written tight running out of a side (as tall as the
        # writing, within a factor of two either way): its whole digits are
        sided = (h >= max(min_h, writing / 2)) & (h <= 2 * writing) & (w > cfg.split_aspect * h)
        sided = np.flatnonzero(sided & ~whole & on_a_side(digit_boxes, width, height))
        if len(plausible) > cfg.max_digits // 2:  # the budget may bite: clear paper first
            around = ring_shares(mask, digit_boxes[plausible], digit_boxes[plausible, 3])
            plausible = plausible[np.argsort(around, kind="stable")]
        owner = np.full(len(boxes), -1, np.int64)
        owner[parts] = group
        crowded = crowded_boxes(digit_boxes[plausible], boxes, owner, plausible)

        # the frame's typical digit height: parts taller than this by far may be two rows
        typical = typical_height(boxes[parts], group, plausible, cfg.rows_height, min_h)
        grown = cv2.dilate(mask, _GROW)  # the soft edge of every stroke, in one pass
        # all the ink, lines too: the ground a digit's contrast is measured on is what is left
        marked = grown if mask is ink.mask else cv2.dilate(ink.mask, _GROW)
        frame_ink = FrameInk(gray, mask, grown, marked, paper, step, contours, boxes, cfg)
        out = Proposals()
        # boxes as lists of plain ints: each candidate's box is unpacked by several helpers
        box_list = digit_boxes.tolist()

        # parts side by side that may be one digit; not columns that may be rows, nor blobs
        # wide enough to be cut (each has alternatives of its own)
        simple = np.flatnonzero(h[plausible] <= cfg.rows_height * typical)
        pairs = [
            (int(simple[a]), int(simple[b]))
            for a, b in side_by_side(digit_boxes[plausible[simple]], cfg.split_aspect)
        ]
        paired = {k for pair in pairs for k in pair}
        # a bar over a part (a 5's flag and stem over its bowl): apart or together; a bar too
        # thin to be a digit itself (a 5's flag drawn apart) only with the part or not at all
        bars = (h < min_h) & (w >= min_h) & (w > cfg.max_aspect * h)
        bars = np.flatnonzero(bars & inside_frame(digit_boxes, width, height))
        over = np.concatenate([plausible[simple], bars])
        n = len(simple)
        flags: dict[int, int] = {}
        for top, low in stacked(
            digit_boxes[over], cfg.merge_gap, cfg.merge_overlap, cfg.max_aspect
        ):
            if low >= n or {int(simple[low]), int(simple[top]) if top < n else -1} & paired:
                continue
            if top < n:
                pairs.append((int(simple[top]), int(simple[low])))
            else:
                flags[int(simple[low])] = int(bars[top - n])
        partner = {left: right for left, right in pairs} | {right: -1 for _, right in pairs}
        # blobs too wide to be one digit give only pieces, many of them (every route between
        # a squiggle's humps): proposed once the frame's other candidates are, so that a
        # scribble's pieces do not take the budget from the digits
        last: list[tuple[np.ndarray, list[int], Ground]] = []
        for k, g in enumerate(plausible.tolist()):
            if partner.get(k) == -1:
                continue  # the right part of a pair: proposed with its left one
            box = box_list[g]
            members = parts[group == g]
            bw, bh = int(box[2]), int(box[3])
            before = len(out.boxes)
            # a column of parts far taller than the frame's digits may be rows of digits
            rows = len(members) > 1 and bh > cfg.rows_height * typical
            made = frame_ink.candidate(box, members, bool(crowded[k]))
            if k in partner:  # two parts side by side: apart, or together as one digit
                add_pair(
                    out,
                    frame_ink,
                    made,
                    box,
                    members,
                    box_list[plausible[partner[k]]],
                    parts[group == plausible[partner[k]]],
                    bool(crowded[partner[k]]),
                )
            elif k in flags and made is not None and bw <= cfg.split_aspect * bh:
                bar = flags[k]
                add_flagged(out, frame_ink, made, box, members, box_list[bar], parts[group == bar])
            elif made is not None:
                crop, ground = made
                wide = bw > cfg.split_aspect * bh
                if bw <= cfg.max_aspect * bh:  # its pieces are made if the whole is in doubt
                    out.add(box, crop, ground, cuttable=wide)
                elif wide and not rows:
                    last.append((crop, box, ground))
                elif wide:  # rows too: its alternatives in one group
                    add_cuts(out, crop, box, ground)
            # A column of rows written close together is proposed row by row too, whether or
            # not it passed as one digit (as one, it usually fails the bounds above).
            if rows:
                add_rows(out, frame_ink, members, min_h, typical)
            if len(out.boxes) > before:
                out.groups += 1
            if out.cost >= cfg.max_digits:
                break
        for crop, box, ground in last:
            if out.cost >= cfg.max_digits:
                break
            before = len(out.boxes)
            add_cuts(out, crop, box, ground)
            out.groups += int(len(out.boxes) > before)
        side_from = out.groups  # the groups cut from a number the frame's side cuts
        if len(sided):
            whole_piece = partial(whole_in_frame, gray, ink.mask, paper, step)
            for g in sided.tolist():
                add_side_cut(out, frame_ink, box_list[g], parts[group == g], whole_piece)
        found = out.found(cfg.max_digits, paper, step)
        found.data["side"] = found.data["group"] >= side_from
        if printed:  # the boxes or combs the digits are written in: one number each
            found.data["field"] = digit_fields(found.boxes, printed, gray.shape)
        b = found.boxes
        slim = np.flatnonzero(b[:, 2] < NARROW * b[:, 3])
        if len(slim):
            found.data["lined"][slim] = line_pieces(
                gray, mask, ink.mask, b[slim], found.data["level"][slim]
            )
        bars = np.flatnonzero(b[:, 2] < SLIM * b[:, 3])  # a smear's bars: their faint rests
        views = bar_views(gray, mask, b[bars], found.data["level"][bars], cfg.ink_margin)
        for i, view in zip(bars.tolist(), views, strict=True):
            found.data["bars"][i] = view
        return found
