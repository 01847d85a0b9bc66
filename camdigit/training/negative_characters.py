"""Negatives that are characters: handwritten-looking letters, short words and maths symbols
(Hershey and DejaVu fonts, or hand-drawn strokes), and printed ones, upright and undistorted.

Characters a person may read as a digit (O, l, S, Z, slashes, ...) are never drawn.
"""

from __future__ import annotations

import functools
import logging
import string
from pathlib import Path

import cv2
import numpy as np

from camdigit.training.negative_render import (
    KindFunction,
    Raw,
    box_strokes,
    camera_crop,
    chaikin,
    elastic,
    warp,
)

log = logging.getLogger(__name__)

READ_AS_DIGIT = "OoQDIlijJSsZzbgqGBTtyY|"
"""Characters a person may read as a digit (0, 1, 5, 2, 6, 9, 7, 4...): never drawn."""

EXCLUDED_CHARACTERS = READ_AS_DIGIT + string.digits + "/\\!?$&@{}" + "βγδζθξρσςτ∂Γ∃∫↑↓"
"""Everything that is never drawn as a letter or symbol: the digit look-alikes above, digits
themselves, slashes (a slanted 1), ! (a 1), ? (a 2), $ (a 5), & and @ (an 8, a 6), braces (a 3),
Greek or maths letters that look like 6, 0, 2, 9, 7 or 3, and typeset integral signs and up or
down arrows (a thin near-vertical stroke: a 1; the hand-drawn integral has big hooks)."""

LETTERS = "".join(c for c in string.ascii_letters if c not in EXCLUDED_CHARACTERS)
"""Latin letters that may be drawn."""

ASCII_SYMBOLS = "+=<>%#*~^()[]-"
"""Symbols the Hershey fonts can draw."""

UNICODE_SYMBOLS = "αελμπφχψωηνκΔΛΠΣΦΨΩ∞√±÷≈≠→←⇒∈∀×"
"""Greek letters and maths symbols, drawn only with the DejaVu TrueType fonts."""

ALLOWED_CHARACTERS = LETTERS + ASCII_SYMBOLS + UNICODE_SYMBOLS
"""The whole alphabet of the letter and printed kinds."""

WORDS = tuple(
    w
    for w in (
        "am",
        "an",
        "are",
        "arc",
        "ace",
        "car",
        "far",
        "fun",
        "run",
        "we",
        "me",
        "he",
        "new",
        "fee",
        "cue",
        "man",
        "pen",
        "map",
        "cap",
        "can",
        "EUR",
        "km",
        "cm",
        "mm",
        "kg",
        "nr",
        "CAN",
        "NEW",
        "ADD",
        "ARC",
        "max",
        "mean",
        "area",
        "name",
        "hour",
        "four",
        "fence",
        "crane",
        "dance",
        "wander",
        "Mark",
        "Ken",
        "Ann",
        "Uma",
        "Alex",
        "Hanna",
        "Peru",
        "Rome",
        "Wien",
        "Accra",
        "ECU",
        "NaN",
        "xy",
        "ab",
        "cd",
        "ef",
        "uv",
        "mn",
        "rad",
    )  # fmt: skip
    if all(c in LETTERS for c in w)
)
"""Short words for the printed kind, made of allowed letters only."""

_HERSHEY_HAND = (cv2.FONT_HERSHEY_SCRIPT_SIMPLEX, cv2.FONT_HERSHEY_SCRIPT_COMPLEX)
_HERSHEY_ITALIC = tuple(
    f | cv2.FONT_ITALIC
    for f in (cv2.FONT_HERSHEY_SIMPLEX, cv2.FONT_HERSHEY_COMPLEX, cv2.FONT_HERSHEY_TRIPLEX)
)
_HERSHEY_UPRIGHT = (
    cv2.FONT_HERSHEY_SIMPLEX,
    cv2.FONT_HERSHEY_PLAIN,
    cv2.FONT_HERSHEY_DUPLEX,
    cv2.FONT_HERSHEY_COMPLEX,
    cv2.FONT_HERSHEY_TRIPLEX,
)


@functools.cache
def _ttf_paths() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """DejaVu TrueType files shipped with matplotlib: (slanted or bold, upright). Empty without
    Pillow or matplotlib, and the letters fall back to the Hershey fonts."""
    try:
        import matplotlib
        import PIL.ImageFont  # noqa: F401
    except ImportError:
        log.info("Pillow or matplotlib missing: letters drawn with Hershey fonts only")
        return (), ()
    folder = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    files = sorted(p for p in folder.glob("DejaVu*.ttf") if "Display" not in p.name)
    slanted = tuple(str(p) for p in files if any(k in p.name for k in ("Oblique", "Italic")))
    bold = tuple(str(p) for p in files if "Bold" in p.name and str(p) not in slanted)
    upright = tuple(str(p) for p in files if str(p) not in slanted)
    return slanted + bold, upright


@functools.lru_cache(maxsize=64)
def _ttf_font(path: str, size: int):
    from PIL import ImageFont

    return ImageFont.truetype(path, size)


@functools.lru_cache(maxsize=4096)
def _has_glyphs(path: str, text: str) -> bool:
    """True when the font draws every character (a missing glyph is a box: a 0)."""
    font = _ft2(path)
    return all(font.get_char_index(ord(c)) != 0 for c in text)


@functools.lru_cache(maxsize=32)
def _ft2(path: str):
    from matplotlib import ft2font

    return ft2font.FT2Font(path)


def _truetype(rng: np.random.Generator, text: str, path: str) -> np.ndarray:
    """``text`` drawn with a TrueType font (Pillow), as float ink."""
    from PIL import Image, ImageDraw

    font = _ttf_font(path, int(rng.choice((40, 56, 72))))
    left, top, right, bottom = font.getbbox(text)
    pad = 6
    image = Image.new("L", (right - left + 2 * pad, bottom - top + 2 * pad), 0)
    bold = int(rng.integers(0, 3)) if rng.random() < 0.3 else 0
    ImageDraw.Draw(image).text(
        (pad - left, pad - top), text, fill=255, font=font, stroke_width=bold, stroke_fill=255
    )
    return np.asarray(image, np.float32) * np.float32(1 / 255)


def _hershey(rng: np.random.Generator, text: str, font: int) -> np.ndarray:
    """``text`` drawn with an OpenCV Hershey font, as float ink."""
    scale = rng.uniform(1.2, 2.4)
    thickness = int(rng.integers(1, 4)) + (1 if scale > 1.8 and rng.random() < 0.5 else 0)
    (w, h), base = cv2.getTextSize(text, font, scale, thickness)
    pad = thickness + h // 2 + 4
    canvas = np.zeros((h + base + 2 * pad, w + 2 * pad), np.uint8)
    cv2.putText(canvas, text, (pad, pad + h), font, scale, 255, thickness, cv2.LINE_AA)
    return canvas.astype(np.float32) * np.float32(1 / 255)


def _text(rng: np.random.Generator, alphabet: str, word_share: float) -> str:
    """One character of ``alphabet`` or, for ``word_share`` of the calls, a short word."""
    if rng.random() < word_share:
        if rng.random() < 0.5 and WORDS:
            return str(WORDS[int(rng.integers(len(WORDS)))])
        letters = [LETTERS[int(rng.integers(len(LETTERS)))] for _ in range(rng.integers(2, 4))]
        return "".join(letters)
    return alphabet[int(rng.integers(len(alphabet)))]


def _symbol_strokes(rng: np.random.Generator) -> list[np.ndarray]:
    """Strokes of a hand-drawn symbol in a 100x100 box: + x = integral sqrt arrow ( [ loops."""

    def j(*xy: float) -> np.ndarray:
        return np.array(xy, float).reshape(-1, 2) + rng.uniform(-5, 5, (len(xy) // 2, 2))

    kind = int(rng.integers(9))
    if kind == 0:  # plus
        return [j(50, 12, 50, 88), j(12, 50, 88, 50)]
    if kind == 1:  # times
        return [j(18, 18, 82, 82), j(82, 18, 18, 82)]
    if kind == 2:  # equals (sometimes three bars)
        bars = [j(12, 38, 88, 38), j(12, 62, 88, 62)]
        return bars + ([j(12, 86, 88, 86)] if rng.random() < 0.3 else [])
    if kind == 3:  # integral, with clear hooks
        return [chaikin(j(78, 12, 64, 2, 54, 14, 50, 50, 46, 86, 36, 98, 22, 88))]
    if kind == 4:  # square root
        return [j(8, 58, 22, 50, 38, 92, 56, 8, 96, 8)]
    if kind == 5:  # arrow, pointing anywhere but straight up or down
        angle = rng.choice([rng.uniform(-50, 50), rng.uniform(130, 230)])
        d = np.array([np.cos(np.radians(angle)), np.sin(np.radians(angle))])
        tail, tip = 50 - 40 * d, 50 + 40 * d
        spread = np.radians(rng.uniform(25, 40))
        heads = []
        for sign in (-1, 1):
            a = np.arctan2(-d[1], -d[0]) + sign * spread
            heads.append(np.stack([tip, tip + 30 * np.array([np.cos(a), np.sin(a)])]))
        return [np.stack([tail, tip]), *heads]
    if kind == 6:  # parentheses, strongly curved, alone or as a pair
        arc = np.asarray(cv2.ellipse2Poly((75, 50), (45, 46), 0, 120, 240, 10), float)
        mirrored = np.c_[100 - arc[:, 0], arc[:, 1]]
        if rng.random() < 0.4:
            arcs = [arc * [0.5, 1], mirrored * [0.5, 1] + [50, 0]]  # ( ) side by side
        else:
            arcs = [arc if rng.random() < 0.5 else mirrored]
        return [a + rng.uniform(-1.5, 1.5, a.shape) for a in arcs]
    if kind == 7:  # square bracket
        bracket = j(62, 8, 36, 8, 36, 92, 62, 92)
        return [bracket if rng.random() < 0.5 else np.c_[100 - bracket[:, 0], bracket[:, 1]]]
    # Greek-like loops: alpha, infinity, a chain of cursive loops
    t = np.linspace(0, 1, 80)
    loop = int(rng.integers(3))
    if loop == 0:  # alpha: a loop on the left, tails crossing to the right
        s = np.pi * (0.2 + 1.6 * t)
        return [np.c_[50 - 38 * np.cos(s), 50 + 30 * np.sin(s) * np.cos(s) * 2]]
    if loop == 1:  # infinity
        s = 2 * np.pi * t
        return [np.c_[50 + 42 * np.cos(s), 50 + 22 * np.sin(2 * s)]]
    n = int(rng.integers(2, 5))  # a prolate trochoid: eee / lll written in one go
    s = 2 * np.pi * n * t + np.pi / 2
    return [np.c_[6 + 88 * t + 12 * np.cos(s), 55 - 25 * np.sin(s)]]


def _handwritten_text(rng: np.random.Generator) -> np.ndarray:
    slanted, _ = _ttf_paths()
    if rng.random() < 0.3 and slanted:
        alphabet = ALLOWED_CHARACTERS
        text = _text(rng, alphabet, 0.2)
        path = slanted[int(rng.integers(len(slanted)))]
        if _has_glyphs(path, text):
            return _truetype(rng, text, path)
    text = _text(rng, LETTERS + ASCII_SYMBOLS, 0.25)
    fonts = _HERSHEY_HAND if rng.random() < 0.7 else _HERSHEY_ITALIC
    return _hershey(rng, text, int(fonts[int(rng.integers(len(fonts)))]))


def _letter(rng: np.random.Generator, digits: np.ndarray) -> Raw:
    """A handwritten-looking letter, short word or maths symbol, distorted like a hand."""
    ink = box_strokes(rng, _symbol_strokes(rng)) if rng.random() < 0.3 else _handwritten_text(rng)
    ink = warp(rng, ink, shear=0.35, rotate_deg=15.0, stretch=0.15)
    if rng.random() < 0.7:
        ink = elastic(rng, ink, rng.uniform(0.005, 0.02))
    return camera_crop(rng, ink)


def _printed(rng: np.random.Generator, digits: np.ndarray) -> Raw:
    """A printed character or short word, upright (Hershey or DejaVu), nearly undistorted."""
    _, upright = _ttf_paths()
    ink = None
    if rng.random() < 0.5 and upright:
        text = _text(rng, ALLOWED_CHARACTERS, 0.4)
        path = upright[int(rng.integers(len(upright)))]
        if _has_glyphs(path, text):
            ink = _truetype(rng, text, path)
    if ink is None:
        text = _text(rng, LETTERS + ASCII_SYMBOLS, 0.4)
        font = _HERSHEY_UPRIGHT[int(rng.integers(len(_HERSHEY_UPRIGHT)))]
        ink = _hershey(rng, text, int(font))
    return camera_crop(rng, warp(rng, ink, shear=0.03, rotate_deg=4.0, stretch=0.05))


CHARACTER_KIND_FUNCTIONS: dict[str, KindFunction] = {
    "letter": _letter,
    "printed": _printed,
}
"""The character kinds and the function drawing one raw camera crop (dark ink) of each."""
