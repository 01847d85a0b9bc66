"""A doubted blob's pieces as proposals of its group, read in the same frame's second batch.

Where the model doubts a blob whole, the pipeline cuts it (:func:`camdigit.core.cuts.cut_pieces`
between touching digits, :func:`camdigit.core.rows.row_cuts` between rows) and proposes the
pieces beside the whole, each an edge of the blob's lattice, for the model to choose among.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from camdigit.core.cuts import cut_pieces
from camdigit.core.detections import Detections
from camdigit.core.proposals import CLEAR_PIECE, proposals


def blob_pieces(
    found: Detections,
    rows: np.ndarray,
    cut: Callable[[np.ndarray, Any], list[tuple[list[int], np.ndarray, int, int]]] = cut_pieces,
    clear: float = CLEAR_PIECE,
) -> Detections:
    """The pieces (``cut``: :func:`cut_pieces`, or another cut with its shape) of the blobs at
    ``rows`` of the proposals ``found``, as proposals of their blobs' groups (the blob whole is
    the lattice's edge 0 -> END; its pieces the others), with their blob's contrast, grain and
    paper level and printed box, each to be read at least ``clear``ly for the cut to stand
    (:func:`camdigit.core.proposals.unclear_cuts`)."""
    boxes, crops, group, start, end, contrast, level, grain, field = ([] for _ in range(9))
    data = found.data
    for row in rows.tolist():
        for box, crop, first, last in cut(data["crops"][row], found.boxes[row]):
            boxes.append(box)
            crops.append(crop)
            group.append(data["group"][row])
            start.append(first)
            end.append(last)
            contrast.append(data["contrast"][row])
            level.append(data["level"][row])
            grain.append(data["grain"][row])
            field.append(data["field"][row])
    return proposals(
        np.array(boxes, np.int32).reshape(-1, 4),
        crops,
        np.array(group, np.int64),
        np.array(start, np.int64),
        np.array(end, np.int64),
        np.array(contrast, np.float32),
        np.array(level, np.float32),
        clear=np.full(len(boxes), clear, np.float32),
        field=np.array(field, np.int64),
        grain=np.array(grain, np.float32),
    )
