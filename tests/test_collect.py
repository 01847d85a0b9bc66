"""``camdigit collect``: prompted sheets, fixed labels, file names, confirmed readings."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from camdigit.cli import main
from camdigit.commands.collect_labels import sheet_labels
from camdigit.core.lines import box_rows
from camdigit.data.datasets import is_normalized, load_labelled_digits


def write_sheet(path, mnist, sheet: str, per_row: int = 5, seed: int = 0) -> dict[int, int]:
    """A page with one row per character of ``sheet``, each row written with that digit."""
    images, labels = mnist
    rng = np.random.default_rng(seed)
    page = np.full((90 * len(sheet) + 40, 80 * per_row + 40), 232, np.uint8)
    counts: dict[int, int] = {}
    for row, char in enumerate(sheet):
        digit = int(char)
        picks = rng.choice(np.flatnonzero(labels == digit), per_row, replace=False)
        for k, index in enumerate(picks):
            glyph = cv2.resize(images[index], (56, 56), interpolation=cv2.INTER_CUBIC)
            y, x = 30 + 90 * row + int(rng.integers(-4, 5)), 30 + 80 * k
            region = page[y : y + 56, x : x + 56]
            np.minimum(region, (232 - glyph.astype(np.float32) * 0.85).astype(np.uint8), out=region)
        counts[digit] = counts.get(digit, 0) + per_row
    cv2.imwrite(str(path), page)
    return counts


def folder_counts(out) -> dict[int, int]:
    return {int(d.name): len(list(d.glob("*.png"))) for d in out.iterdir() if d.is_dir()}


def test_rows_are_found_top_to_bottom_and_left_to_right():
    boxes = np.array(
        [
            [200, 105, 20, 30],
            [10, 10, 20, 30],
            [100, 14, 20, 30],
            [50, 100, 20, 30],
            [10, 200, 20, 30],
        ]
    )
    assert box_rows(boxes) == [[1, 2], [3, 0], [4]]
    assert sheet_labels(boxes, "358") == [5, 3, 3, 5, 8]
    assert sheet_labels(boxes, "35") is None  # three rows, a two-row sheet: no guessing


def test_prompted_sheet_fills_the_right_folders(tmp_path, mnist_1000, capsys):
    sheet = tmp_path / "sheet.png"
    expected = write_sheet(sheet, mnist_1000, "0123456789")
    out = tmp_path / "mine"
    assert (
        main(["collect", str(sheet), "--out", str(out), "--sheet", "0123456789", "--no-show"]) == 0
    )
    assert folder_counts(out) == expected
    assert "saved 50 digits" in capsys.readouterr().out
    crops = list(out.glob("*/*.png"))
    assert all(is_normalized(cv2.imread(str(p), cv2.IMREAD_GRAYSCALE)) for p in crops)
    # The set loads as training data, and the shipped model agrees with most labels.
    digits = load_labelled_digits(out)
    from camdigit import DigitClassifier

    read = DigitClassifier().classify(digits.images).digits
    assert float((read == digits.labels).mean()) >= 0.9


def test_a_sheet_filmed_by_a_camera_mounted_upside_down_is_collected_with_turn(
    tmp_path, mnist_1000, capsys
):
    sheet = tmp_path / "sheet.png"
    expected = write_sheet(sheet, mnist_1000, "0123456789")
    upside_down = tmp_path / "upside_down.png"
    cv2.imwrite(str(upside_down), cv2.rotate(cv2.imread(str(sheet)), cv2.ROTATE_180))
    argv = ["collect", str(upside_down), "--sheet", "0123456789", "--no-show"]
    from camdigit import DigitClassifier

    def agreeing(out) -> float:  # the share of saved crops the model reads as their label
        digits = load_labelled_digits(out)
        return float((DigitClassifier().classify(digits.images).digits == digits.labels).mean())

    # as the camera gives it, the sheet's rows come bottom up and its digits stand on their
    # heads: the crops are labelled with the wrong rows' digits
    assert main([*argv, "--out", str(tmp_path / "as_given")]) == 0
    assert agreeing(tmp_path / "as_given") < 0.3
    assert main([*argv, "--out", str(tmp_path / "turned"), "--turn", "180"]) == 0
    assert folder_counts(tmp_path / "turned") == expected
    assert agreeing(tmp_path / "turned") >= 0.9


def test_a_sheet_that_does_not_match_is_skipped(tmp_path, mnist_1000, capsys):
    sheet = tmp_path / "sheet.png"
    write_sheet(sheet, mnist_1000, "012")
    out = tmp_path / "mine"
    assert main(["collect", str(sheet), "--out", str(out), "--sheet", "0123", "--no-show"]) == 1
    assert "3 rows of digits, the sheet has 4: skipped" in capsys.readouterr().err
    assert folder_counts(out) == {}


def test_import_labels_from_names_and_a_fixed_label(tmp_path, mnist_1000, capsys):
    images, labels = mnist_1000
    shots = tmp_path / "shots"
    (shots / "4").mkdir(parents=True)
    cv2.imwrite(str(shots / "4" / "scan.png"), 255 - images[np.flatnonzero(labels == 4)[0]])
    cv2.imwrite(str(shots / "7_a.png"), 255 - images[np.flatnonzero(labels == 7)[0]])
    cv2.imwrite(str(shots / "nolabel.png"), 255 - images[0])
    out = tmp_path / "mine"
    assert (
        main(["collect", str(shots / "*.png"), "--out", str(out), "--from-names", "--no-show"]) == 0
    )
    assert (
        main(
            [
                "collect",
                str(shots / "4" / "scan.png"),
                "--out",
                str(out),
                "--from-names",
                "--no-show",
            ]
        )
        == 0
    )
    assert folder_counts(out) == {4: 1, 7: 1}  # added to an existing set
    # 7_a.png again: its digit would be in the set twice (here under two labels)
    capsys.readouterr()
    assert (
        main(["collect", str(shots / "7_a.png"), "--out", str(out), "--label", "1", "--no-show"])
        == 2
    )
    assert "--overwrite" in capsys.readouterr().err
    assert folder_counts(out) == {4: 1, 7: 1}
    assert (
        main(
            [
                "collect",
                str(shots / "7_a.png"),
                "--out",
                str(out),
                "--label",
                "1",
                "--no-show",
                "--overwrite",
            ]
        )
        == 0
    )
    assert folder_counts(out) == {1: 1, 4: 1, 7: 0}  # moved to its new label, not added
    assert "replaced 1 saved before" in capsys.readouterr().out


def test_confirm_accepts_confident_readings(tmp_path, mnist_1000):
    sheet = tmp_path / "page.png"
    write_sheet(sheet, mnist_1000, "38", per_row=4, seed=3)
    out = tmp_path / "mine"
    assert (
        main(
            [
                "collect",
                str(sheet),
                "--out",
                str(out),
                "--confirm",
                "--yes-above",
                "0.5",
                "--no-show",
            ]
        )
        == 0
    )
    counts = folder_counts(out)
    assert sum(counts.values()) == 8 and counts.get(3, 0) + counts.get(8, 0) >= 7


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "choose one way to label the digits"),
        (["--sheet", "01", "--label", "3"], "choose one way to label the digits"),
        (["--sheet", "0a"], "--sheet takes the digits written row by row"),
        (["--label", "12"], "--label must be a digit 0-9"),
        (["--keys"], "--keys needs the window"),
    ],
)
def test_bad_collect_flags(tmp_path, mnist_1000, monkeypatch, capsys, args, message):
    monkeypatch.delenv("DISPLAY", raising=False)
    sheet = tmp_path / "sheet.png"
    write_sheet(sheet, mnist_1000, "0")
    assert main(["collect", str(sheet), "--out", str(tmp_path / "out"), "--no-show", *args]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1


def test_confirm_without_a_terminal_or_window_says_so_before_any_work(
    tmp_path, mnist_1000, capsys, monkeypatch
):
    sheet = tmp_path / "sheet.png"
    write_sheet(sheet, mnist_1000, "12")
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    out = tmp_path / "mine"
    assert main(["collect", str(sheet), "--out", str(out), "--confirm", "--no-show"]) == 2
    err = capsys.readouterr().err
    assert "no window and no terminal" in err and "--yes-above" in err
    assert not list(out.glob("*/*.png"))


def test_terminal_confirm_names_each_digit_and_keeps_answers_given_before_ctrl_d(
    tmp_path, mnist_1000, capsys, monkeypatch
):
    sheet = tmp_path / "sheet.png"
    write_sheet(sheet, mnist_1000, "12", per_row=3)
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    prompts: list[str] = []
    answers = iter(["", "7"])  # keep the first reading, correct the second, then Ctrl-D

    def fake_input(prompt: str) -> str:
        prompts.append(prompt)
        answer = next(answers, None)
        if answer is None:
            raise EOFError
        return answer

    monkeypatch.setattr("builtins.input", fake_input)
    out = tmp_path / "mine"
    assert main(["collect", str(sheet), "--out", str(out), "--confirm", "--no-show"]) == 0
    assert prompts[0].startswith("digit 1 of 6, at x ") and "read " in prompts[0]
    assert len(prompts) == 3  # the third was answered with Ctrl-D: no more questions
    saved = folder_counts(out)
    assert sum(saved.values()) == 2 and saved.get(7) == 1
    assert "input ended" in capsys.readouterr().err


def _no_work(monkeypatch) -> None:
    """Make loading the model or reading a frame fail the test."""

    def refuse(*args, **kwargs):
        raise AssertionError("work was done before the refusal")

    monkeypatch.setattr("camdigit.commands.collect.make_recognizer", refuse)
    monkeypatch.setattr("camdigit.io.sources.read_image", refuse)


def test_collecting_a_photo_again_is_refused_before_any_work_unless_overwrite(
    tmp_path, mnist_1000, capsys, monkeypatch
):
    sheet = tmp_path / "sheet.png"
    write_sheet(sheet, mnist_1000, "3", per_row=3)
    out = tmp_path / "mine"
    argv = ["collect", str(sheet), "--out", str(out), "--label", "3", "--no-show"]
    assert main(argv) == 0
    crops = sorted(out.glob("3/*.png"))
    assert [p.name for p in crops] == ["sheet-f0-0.png", "sheet-f0-1.png", "sheet-f0-2.png"]
    before = {p: p.read_bytes() for p in crops}
    for crop in crops:  # marked: a replacement shows
        crop.write_bytes(b"earlier")
    capsys.readouterr()

    with monkeypatch.context() as patch:
        _no_work(patch)
        assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert err == (
        f"camdigit: error: --out {crops[0]} exists: give another folder, or "
        f"--overwrite to replace the crops of sheet.png saved before"
    )
    assert all(p.read_bytes() == b"earlier" for p in crops)
    assert folder_counts(out) == {3: 3}

    assert main([*argv, "--overwrite"]) == 0
    assert folder_counts(out) == {3: 3}  # replaced, not added a second time
    assert {p: p.read_bytes() for p in sorted(out.glob("3/*.png"))} == before
    assert "saved 3 digits" in capsys.readouterr().out


def test_overwrite_replaces_only_the_crops_of_the_inputs_read(tmp_path, mnist_1000):
    images, labels = mnist_1000
    shots = tmp_path / "shots"
    shots.mkdir()
    for digit in (2, 5):
        cv2.imwrite(str(shots / f"{digit}_a.png"), 255 - images[np.flatnonzero(labels == digit)[0]])
    out = tmp_path / "mine"
    assert main(["collect", str(shots), "--out", str(out), "--from-names", "--no-show"]) == 0
    mine = out / "5" / "own-f0-0.png"  # a crop from elsewhere, added by hand
    mine.write_bytes(b"mine")
    five = out / "5" / "5_a-f0-0.png"
    five.write_bytes(b"earlier")
    assert (
        main(
            [
                "collect",
                str(shots / "2_a.png"),
                "--out",
                str(out),
                "--from-names",
                "--no-show",
                "--overwrite",
            ]
        )
        == 0
    )
    assert mine.read_bytes() == b"mine" and five.read_bytes() == b"earlier"
    assert folder_counts(out) == {2: 1, 5: 2}


def test_collecting_into_the_folder_of_the_photos_never_replaces_one(
    tmp_path, mnist_1000, capsys, monkeypatch
):
    images, labels = mnist_1000
    shots = tmp_path / "shots"
    shots.mkdir()
    for digit in (4, 7):
        cv2.imwrite(str(shots / f"{digit}_a.png"), 255 - images[np.flatnonzero(labels == digit)[0]])
    photos = {p: p.read_bytes() for p in shots.glob("*.png")}
    for extra in ([], ["--overwrite"]):
        assert (
            main(["collect", str(shots), "--out", str(shots), "--from-names", "--no-show", *extra])
            == 0
        )
        assert {p: p.read_bytes() for p in shots.glob("*.png")} == photos
        assert folder_counts(shots) == {4: 1, 7: 1}

    # A photo kept beside the crops of its digit, named like the crop of another photo read
    # with it: even --overwrite never replaces an input.
    seven = shots / "7"
    cv2.imwrite(str(seven / "7_a.png"), 255 - images[np.flatnonzero(labels == 7)[1]])
    cv2.imwrite(str(seven / "7_a-f0-0.png"), 255 - images[np.flatnonzero(labels == 7)[2]])
    inputs = {p: p.read_bytes() for p in seven.glob("*.png")}
    capsys.readouterr()
    with monkeypatch.context() as patch:
        _no_work(patch)
        assert (
            main(
                [
                    "collect",
                    str(seven / "*.png"),
                    "--out",
                    str(shots),
                    "--label",
                    "7",
                    "--no-show",
                    "--overwrite",
                ]
            )
            == 2
        )
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert f"--out {seven / '7_a-f0-0.png'} is an input" in err
    assert {p: p.read_bytes() for p in seven.glob("*.png")} == inputs


def test_out_that_is_a_file_is_a_one_line_error(tmp_path, mnist_1000, capsys, monkeypatch):
    sheet = tmp_path / "sheet.png"
    write_sheet(sheet, mnist_1000, "1", per_row=2)
    out = tmp_path / "mine"
    out.write_bytes(b"a file")
    _no_work(monkeypatch)
    assert main(["collect", str(sheet), "--out", str(out), "--label", "1", "--no-show"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == f"camdigit: error: --out must be a folder, and {out} is a file"
    assert out.read_bytes() == b"a file"
