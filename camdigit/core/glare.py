"""Glare taken off the frame: light a glossy page or a whiteboard reflects into the camera.

A shadow or a lamp's fall-off scales the light on the page, so ink keeps its share of the
paper's level and the ink threshold is a share of the paper (``FinderConfig.ink_ratio``). A
reflection adds light instead: the ink under it is as many levels darker than the paper as
anywhere, but a smaller share of it, and a stroke crossing a lamp's reflection fades into a gap
under the ratio (a 6 whose top crosses it reads 0). So where the paper stands above the
well-lit page by more than its own light explains, the excess is taken off the frame before the
ink is measured and the digits are cut: the ink there keeps the lit page's contrast. Where the
reflection clipped the paper at the camera's white, how much light it added is unknown and the
ink shows only part of its contrast: there ink is what is darker than the faint level.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from camdigit.core.paper_shade import bright_level

GLARE_ROUNDS = 4
"""The lit page is measured again at most this many times without the glare found."""

WHITE = 254
"""The camera's white: paper this bright was clipped, and how much light fell on it is unknown.
Where most of the paper is clipped, the photo is a scan or a white page overexposed as a whole:
that is its level, not glare."""


@dataclass(frozen=True)
class Glare:
    """A reflection found on the paper estimate (the frame's shrunk grid)."""

    excess: np.ndarray  # (h, w) uint8 levels the paper stands above the lit page
    lit: float  # the well-lit page's level, the reflection aside
    clipped: np.ndarray | None  # (h, w) bool where the paper was clipped white; None: nowhere

    def taken_off(
        self, gray: np.ndarray, small: np.ndarray, paper: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The frame ``gray``, its shrunk copy ``small`` and their ``paper`` estimate with the
        excess taken off: the paper under the glare at the lit page's level, its ink as much
        darker than it as the light added left it."""
        height, width = gray.shape
        full = cv2.resize(self.excess, (width, height), interpolation=cv2.INTER_LINEAR)
        return (
            cv2.subtract(gray, full),
            cv2.subtract(small, self.excess),
            cv2.subtract(paper, self.excess),
        )

    def ink_threshold(self, clear: np.ndarray, faint: np.ndarray) -> np.ndarray:
        """The clear-ink threshold map ``clear`` raised to the ``faint`` one where the paper
        was clipped (the ink there lost an unknown part of its contrast to the white)."""
        return clear if self.clipped is None else np.where(self.clipped, faint, clear)


def find_glare(
    paper: np.ndarray, bright: float, ink_ratio: float, margin: float, dim_share: float
) -> Glare | None:
    """The glare on the shrunk ``paper`` estimate whose brightest tenth is at ``bright``; None
    where there is none.

    The lit page is the brightest tenth of the paper that is not dim ground (below
    ``dim_share`` of ``bright``: a desk around a small page, whose brightest tenth of the frame
    would lie among the page's shaded parts). A page lit unevenly stands above it here and
    there by a few levels (the real photos of photos-dev: 17 at most, measured by hand). Glare
    is paper standing above the lit page by more than half the least contrast ink has there
    (``1 - ink_ratio`` of it) and by more than the sensor's ``margin``: light added there would
    take a faint stroke past the ratio threshold. A wide reflection is a tenth of the paper or
    more and lifts the brightest tenth itself, so the lit page is measured again without the
    glare found until no more is found (each round takes off the next ring of its fall-off);
    wider still, it clips a tenth of the paper at white (:data:`WHITE`) and the brightest tenth
    is white: the clipped paper is glare from the first round then.
    """
    clipped = paper >= WHITE
    if clipped.any() and np.median(paper) >= WHITE:
        clipped[:] = False
    if not clipped.any() and paper.max() <= bright + _lift(bright, ink_ratio, margin):
        return None  # most frames: the lit page below (lit >= bright) leaves none above it
    ground = paper < dim_share * bright
    lit, found = bright_level(paper[~ground]), False
    for _ in range(GLARE_ROUNDS):
        above = (paper > lit + _lift(lit, ink_ratio, margin)) | clipped
        if not above.any() or (above | ground).all():
            break
        found = True
        lit = bright_level(paper[~(above | ground)])
    if not found:
        return None
    excess = cv2.subtract(paper, np.full_like(paper, int(lit)))
    return Glare(excess, lit, clipped if clipped.any() else None)


def _lift(lit: float, ink_ratio: float, margin: float) -> float:
    """How far above the lit page (at ``lit``) paper stands before it counts as glare."""
    return max(margin, lit * (1.0 - ink_ratio) / 2.0)
