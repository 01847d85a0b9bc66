"""``camdigit collect``: a labelled set of the user's own digits, from a camera, video or photos.

Every digit found is saved as the model's own input, the normalized 64x64 crop (bright ink on
black, exactly what training and the camera path feed the model), into ``OUT/<digit>/``. How a
digit gets its label:

- ``--sheet 0123456789``: a prompted sheet. Write one row per character (a row of 0s, then of
  1s, ...); rows, top to bottom, take the labels in order. A frame whose rows do not match the
  sheet is skipped with a warning.
- ``--label 7``: every digit found is a 7 (a page of 7s; a folder of photos of one digit).
- ``--from-names``: each file's label from its folder or name (``7/...``, ``7_a.jpg``,
  ``x-label7.png``): importing photos labelled elsewhere.
- ``--confirm``: the model's reading, confirmed by the user: in the window (Enter or y accepts,
  a digit key corrects, n skips) or on the terminal without one; ``--yes-above P`` accepts
  readings at least P confident without asking.
- ``--keys`` (window): press a digit key to save the digits in view under that label.

With a window, space captures the frame for ``--sheet``, ``--label`` and ``--confirm``; without
one, a photo is one capture and a video or camera gives one every ``--every`` seconds.

Nothing is lost: OUT is a set that grows, so new crops are always added, each under a name not
yet taken, and no file there is ever written over. A crop is named after its photo or video
(``NAME-f<frame>-<k>.png``), so a run over a photo or video whose crops OUT already holds (from
an earlier ``collect``) would add the same digits a second time: it is refused before any work
(no model loaded, no frame read) unless ``--overwrite`` is given, which replaces those earlier
crops (in whichever digit folder they are: a label may have changed) with the new ones. An
input is never replaced, with or without ``--overwrite``. A camera's or stream's crops are
always added.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from camdigit.commands.options import (
    HelpFormatter,
    add_model_options,
    check_common_flags,
    make_recognizer,
    want_window,
)
from camdigit.core.finder import FoundDigits
from camdigit.core.lines import box_rows
from camdigit.core.pipeline import Recognizer
from camdigit.core.preprocess import SINGLE_DIGIT_SIDE, normalize_digit
from camdigit.data.datasets import label_from_name, to_model_input
from camdigit.errors import UsageError
from camdigit.io.outputs import OutputError, input_files, refuse_to_replace
from camdigit.io.sources import Frame, FrameSource, open_source

Ask = Callable[[np.ndarray, int, float, str], int | None]
"""Asks about one reading (crop, digit read, confidence, where it is); the label or None."""


class AnswersEnded(Exception):  # noqa: N818 (an end of input, not an error)
    """The terminal's input ended (Ctrl-D) while asking: keep the answers given, then stop."""

    def __init__(self, pairs: list[tuple[np.ndarray, int]]) -> None:
        super().__init__("input ended")
        self.pairs = pairs


"""Confirm a reading: (crop, digit, confidence) -> the label, or None to skip it."""

CROP_NAME = re.compile(r"(.+)-f\d+-\d+(?:-\d+)?\.png")
"""A saved crop's file name: its photo's or video's name (group 1), the frame, the digit's place
in it, and a number where that name was taken."""


@dataclass
class Collection:
    """Where crops go, and how many of each digit there are.

    ``earlier``: crops saved before, by the name of the input they came from, that this run
    replaces (``--overwrite``): those of an input are removed when its first crops are saved.
    """

    out: Path
    counts: Counter = field(default_factory=Counter)
    saved: int = 0
    earlier: dict[str, list[Path]] = field(default_factory=dict)
    replaced: int = 0

    def __post_init__(self) -> None:
        self.out.mkdir(parents=True, exist_ok=True)
        for digit in range(10):
            folder = self.out / str(digit)
            if folder.is_dir():
                self.counts[digit] = sum(1 for p in folder.iterdir() if p.suffix == ".png")

    def save(self, crop: np.ndarray, label: int, name: str) -> Path:
        folder = self.out / str(label)
        folder.mkdir(exist_ok=True)
        path = folder / f"{name}.png"
        n = 1
        while path.exists():
            path = folder / f"{name}-{n}.png"
            n += 1
        if not cv2.imwrite(str(path), crop):
            raise OSError(f"cannot write {path}")
        self.counts[label] += 1
        self.saved += 1
        return path

    def replace_earlier(self, stem: str) -> None:
        """Remove the crops saved before from the input named ``stem`` (once: this run's own
        crops are never removed)."""
        for path in self.earlier.pop(stem, []):
            try:
                path.unlink()
            except FileNotFoundError:
                continue
            except OSError as exc:
                raise OutputError(f"cannot replace {path}: {exc.strerror}") from None
            self.counts[int(path.parent.name)] -= 1
            self.replaced += 1

    def line(self) -> str:
        return "  ".join(f"{d}:{self.counts[d]}" for d in range(10))


def earlier_crops(out: Path, stems: Iterable[str]) -> dict[str, list[Path]]:
    """The crops in ``OUT/<digit>/`` named after each of ``stems`` (inputs' names without
    suffix), saved there by an earlier ``collect``."""
    wanted = set(stems)
    found: dict[str, list[Path]] = {}
    for digit in range(10):
        folder = out / str(digit)
        if not wanted or not folder.is_dir():
            continue
        for path in sorted(folder.iterdir()):
            match = CROP_NAME.fullmatch(path.name)
            if match is not None and match.group(1) in wanted and path.is_file():
                found.setdefault(match.group(1), []).append(path)
    return found


def check_out(out: Path, source: FrameSource, overwrite: bool) -> dict[str, list[Path]]:
    """Refuse, before any work, a run over an input whose crops ``out`` already holds, unless
    ``overwrite``; and, always, one that would replace an input. Returns those earlier crops by
    the input's name (what ``--overwrite`` replaces); none for a camera or stream."""
    inputs = input_files(source)
    named: dict[str, Path] = {}
    for path in inputs:
        named.setdefault(path.stem, path)
    earlier = earlier_crops(out, named)
    for stem, crops in earlier.items():
        refuse_to_replace(
            crops,
            inputs,
            overwrite,
            flag="--out",
            instead="another folder",
            by="a new crop",
            replaced=f"the crops of {named[stem].name} saved before",
        )
    return earlier


def sheet_labels(boxes: np.ndarray, sheet: str) -> list[int] | None:
    """Each box's label from its row of a prompted sheet; None when the rows do not match."""
    rows = box_rows(boxes)
    if len(rows) != len(sheet):
        return None
    labels = [0] * len(boxes)
    for row, char in zip(rows, sheet, strict=True):
        for i in row:
            labels[i] = int(char)
    return labels


def normalized_crops(found: FoundDigits) -> list[np.ndarray]:
    return [normalize_digit(crop, ink="dark") for crop in found.crops]


def label_frame(
    frame: Frame,
    recognizer: Recognizer,
    args: argparse.Namespace,
    ask: Ask | None,
    key_label: int | None = None,
) -> list[tuple[np.ndarray, int]]:
    """The (crop, label) pairs of one captured frame, by the chosen labelling."""
    found = recognizer.find(frame.image)
    if len(found):
        crops = normalized_crops(found)
    elif frame.still and max(frame.image.shape[:2]) <= SINGLE_DIGIT_SIDE:
        crops = [to_model_input(frame.image)]  # a small photo of one digit, edge to edge
    else:
        return []
    if key_label is not None:
        return [(c, key_label) for c in crops]
    if args.sheet:
        labels = sheet_labels(found.boxes, args.sheet)
        if labels is None:
            rows = len(box_rows(found.boxes))
            print(
                f"camdigit: {frame.source} frame {frame.index}: {rows} rows of digits, the "
                f"sheet has {len(args.sheet)}: skipped",
                file=sys.stderr,
            )
            return []
        return list(zip(crops, labels, strict=True))
    if args.label is not None:
        return [(c, args.label) for c in crops]
    if args.from_names:
        label = label_from_name(Path(frame.source).name)
        if label is None:
            parent = Path(frame.source).parent.name
            label = int(parent) if parent.isdigit() and len(parent) == 1 else None
        if label is None:
            print(
                f"camdigit: no label in the name or folder of {frame.source}: skipped",
                file=sys.stderr,
            )
            return []
        return [(c, label) for c in crops]
    # --confirm: the model reads, the user (or --yes-above) decides.
    reading = recognizer.classifier.classify(np.stack(crops))
    pairs = []
    boxes = found.boxes if len(found) else np.zeros((len(crops), 4), np.int32)
    for k, (crop, digit, confidence, box) in enumerate(
        zip(crops, reading.digits, reading.confidences, boxes, strict=True)
    ):
        if confidence >= args.yes_above:
            pairs.append((crop, int(digit)))
        elif ask is not None:
            x, y, w, h = (int(v) for v in box)
            where = f"digit {k + 1} of {len(crops)}, at x {x} y {y} ({w}x{h} px)"
            try:
                label = ask(crop, int(digit), float(confidence), where)
            except EOFError:
                raise AnswersEnded(pairs) from None
            if label is not None:
                pairs.append((crop, label))
    return pairs


def terminal_ask(crop: np.ndarray, digit: int, confidence: float, where: str) -> int | None:
    """Ask on the terminal: Enter keeps the reading, a digit corrects it, anything else skips.
    Ctrl-D (end of input) raises EOFError: the caller keeps the answers given and stops."""
    answer = input(
        f"{where}: read {digit} ({confidence:.2f}): Enter keeps, a digit corrects, n skips: "
    )
    answer = answer.strip()
    if answer == "":
        return digit
    if answer.isdigit() and len(answer) == 1:
        return int(answer)
    return None


def window_ask(crop: np.ndarray, digit: int, confidence: float, where: str) -> int | None:
    """Ask in the window: Enter or y keeps, a digit key corrects, n or Esc skips."""
    big = cv2.resize(crop, (256, 256), interpolation=cv2.INTER_NEAREST)
    panel = cv2.cvtColor(big, cv2.COLOR_GRAY2BGR)
    cv2.putText(
        panel,
        f"{digit}? {confidence:.2f}",
        (8, 30),
        cv2.FONT_HERSHEY_SIMPLEX,
        0.9,
        (0, 200, 255),
        2,
        cv2.LINE_AA,
    )
    cv2.imshow("camdigit collect: confirm", panel)
    while True:
        key = cv2.waitKey(0) & 0xFF
        if key in (13, 10, ord("y")):
            return digit
        if ord("0") <= key <= ord("9"):
            return key - ord("0")
        if key in (ord("n"), 27, 8):
            return None


def collect(
    args: argparse.Namespace,
    recognizer: Recognizer,
    show: bool,
    source: FrameSource | None = None,
    earlier: dict[str, list[Path]] | None = None,
) -> Collection:
    """Run the collection over the source (``args.source`` opened here unless given; it is
    closed at the end); returns what was saved. ``earlier``: crops to replace, from
    :func:`check_out` with ``--overwrite``."""
    if source is None:
        source = open_source(args.source)
    try:
        collection = Collection(args.out, earlier=dict(earlier or {}))
    except BaseException:
        source.close()
        raise
    ask: Ask | None = None
    if args.confirm:
        ask = window_ask if show else (terminal_ask if sys.stdin.isatty() else None)
        if ask is None and args.yes_above > 1.0:
            source.close()
            raise UsageError(
                "--confirm asks about each reading, but there is no window and no "
                "terminal here: give --yes-above P to keep the readings at least "
                "P confident without asking"
            )
        if ask is None:
            print(
                f"camdigit: no terminal to ask: only readings at least {args.yes_above:g} "
                f"confident are kept",
                file=sys.stderr,
            )
    last_capture = -float("inf")
    try:
        for frame in source:
            key_label, capture = None, False
            if show:
                key = _show(frame.image, recognizer, collection)
                if key == ord("q"):
                    break
                if args.keys and ord("0") <= key <= ord("9"):
                    key_label, capture = key - ord("0"), True
                capture = capture or (key == ord(" ") and not args.keys) or frame.still
            elif frame.still or frame.time - last_capture >= args.every:
                capture = True
            if not capture:
                continue
            last_capture = frame.time
            ended = False
            try:
                pairs = label_frame(frame, recognizer, args, ask, key_label)
            except AnswersEnded as end:  # Ctrl-D: keep this frame's answers, then stop
                pairs, ended = end.pairs, True
            if pairs:
                collection.replace_earlier(Path(frame.source).stem)
            stem = f"{Path(frame.source).stem or 'camera'}-f{frame.index}"
            for k, (crop, label) in enumerate(pairs):
                collection.save(crop, label, f"{stem}-{k}")
            print(
                f"camdigit: {frame.source} frame {frame.index}: saved {len(pairs)}  |  "
                f"{collection.line()}",
                file=sys.stderr,
                flush=True,
            )
            if ended:
                print(
                    "camdigit: input ended: stopped, every answer given is saved",
                    file=sys.stderr,
                    flush=True,
                )
                break
    finally:
        source.close()
        if show:
            cv2.destroyAllWindows()
    return collection


def _show(image: np.ndarray, recognizer: Recognizer, collection: Collection) -> int:
    """The live view: digits found, the counts so far; returns the key pressed (or 255)."""
    view = image.copy()
    found = recognizer.find(view)
    for x, y, w, h in found.boxes:
        cv2.rectangle(view, (int(x), int(y)), (int(x + w), int(y + h)), (40, 170, 0), 2)
    cv2.putText(view, collection.line(), (8, 24), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (0, 0, 255), 2)
    cv2.imshow("camdigit collect", view)
    return cv2.waitKey(1) & 0xFF


def check_collect_flags(args: argparse.Namespace) -> None:
    modes = [bool(args.sheet), args.label is not None, args.from_names, args.confirm, args.keys]
    if sum(modes) != 1:
        raise UsageError(
            "choose one way to label the digits: --sheet DIGITS, --label D, "
            "--from-names, --confirm or --keys"
        )
    if args.sheet and not (args.sheet.isdigit()):
        raise UsageError(
            f"--sheet takes the digits written row by row, like 0123456789, got {args.sheet!r}"
        )
    if args.label is not None and not 0 <= args.label <= 9:
        raise UsageError(f"--label must be a digit 0-9, got {args.label}")
    if not 0.0 <= args.yes_above <= 1.01:
        raise UsageError(f"--yes-above must be between 0 and 1, got {args.yes_above}")
    if args.every <= 0:
        raise UsageError(f"--every must be positive, got {args.every}")
    if not args.out.parent.is_dir():
        raise UsageError(f"--out {args.out}: folder {args.out.parent} does not exist")
    if args.out.exists() and not args.out.is_dir():
        raise UsageError(f"--out must be a folder, and {args.out} is a file")


def collect_command(args: argparse.Namespace) -> int:

    check_common_flags(args)
    check_collect_flags(args)
    show = want_window(args)
    if args.keys and not show:
        raise UsageError("--keys needs the window (a display); use --sheet, --label or --confirm")
    args.track = False
    started = time.monotonic()
    source = open_source(args.source)
    try:  # refused before the model is loaded or a frame read
        earlier = check_out(args.out, source, args.overwrite)
        recognizer = make_recognizer(args)
    except BaseException:
        source.close()
        raise
    collection = collect(args, recognizer, show, source, earlier)
    replaced = f"; replaced {collection.replaced} saved before" if collection.replaced else ""
    print(
        f"saved {collection.saved} digits in {args.out} ({time.monotonic() - started:.1f} s)"
        f"{replaced}; now {sum(collection.counts.values())} in all: {collection.line()}"
    )
    return 0 if collection.saved else 1


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``collect`` to the command line's subcommands."""
    parser = subparsers.add_parser(
        "collect",
        formatter_class=HelpFormatter,
        help="save your own labelled digits (normalized crops) from a camera, video or photos",
        description="Save every digit found as the model's normalized 64x64 crop in "
        "OUT/<digit>/, labelled by a prompted sheet, a fixed label, file names, or the model's "
        "reading confirmed by you. Train on them with train.py --extra OUT.",
    )
    parser.add_argument(
        "source", metavar="SOURCE", help="camera index, picam, video, photo, folder or glob"
    )
    parser.add_argument(
        "--out",
        type=Path,
        required=True,
        help="folder for OUT/<digit>/*.png, made if missing; new crops are "
        "added to it, never written over a file. Crops are named after their "
        "photo or video (NAME-f<frame>-<k>.png): a photo or video whose crops "
        "OUT already holds is refused before any work, unless --overwrite",
    )
    parser.add_argument(
        "--overwrite",
        action="store_true",
        help="replace the crops an earlier collect saved in OUT from the same "
        "photo or video (in any digit folder) with this run's (an input is "
        "never replaced)",
    )
    labels = parser.add_argument_group("labels (choose one)")
    labels.add_argument(
        "--sheet", metavar="DIGITS", help="a prompted sheet: one row per character, top to bottom"
    )
    labels.add_argument("--label", type=int, metavar="D", help="every digit found is D")
    labels.add_argument(
        "--from-names", action="store_true", help="each file's label from its folder or file name"
    )
    labels.add_argument(
        "--confirm",
        action="store_true",
        help="the model's reading, confirmed in the window or on the terminal",
    )
    labels.add_argument(
        "--keys",
        action="store_true",
        help="window: a digit key saves the digits in view under that label",
    )
    parser.add_argument(
        "--yes-above",
        type=float,
        default=1.01,
        metavar="P",
        help="with --confirm, accept readings at least this confident unasked",
    )
    parser.add_argument(
        "--every",
        type=float,
        default=1.0,
        metavar="SECONDS",
        help="without a window, capture a video or camera this often",
    )
    parser.add_argument(
        "--show",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="the live window (default: when a display is present)",
    )
    add_model_options(parser)
    parser.set_defaults(handler=collect_command, conf=0.0, max_side=1280, track=False)
