"""What the command line does with a refusal (one line, its exit code) and with a bug
(the traceback, a hint to report it, a non-zero exit)."""

from __future__ import annotations

import argparse

import pytest

from camdigit import cli
from camdigit.core.classifier import ModelError
from camdigit.data.mnist import DataError
from camdigit.errors import CamdigitError, UsageError
from camdigit.io.images import ImageError
from camdigit.io.outputs import OutputError
from camdigit.io.sources import SourceError


@pytest.mark.parametrize(
    "error", [UsageError, ModelError, ImageError, SourceError, OutputError, DataError]
)
def test_every_user_facing_error_is_a_camdigit_error(error):
    assert issubclass(error, CamdigitError)


def _patch_classify(monkeypatch, handler) -> None:
    """Make ``camdigit classify`` call ``handler`` instead of classifying."""
    original = cli.build_parser

    def build_parser() -> argparse.ArgumentParser:
        parser = original()
        for action in parser._subparsers._group_actions:  # the subcommands
            action.choices["classify"].set_defaults(handler=handler)
        return parser

    monkeypatch.setattr(cli, "build_parser", build_parser)


def test_a_camdigit_error_is_one_line_with_its_exit_code(monkeypatch, capsys):
    class Refused(CamdigitError):
        exit_code = 3

    def handler(args: argparse.Namespace) -> int:
        raise Refused("no such thing")

    _patch_classify(monkeypatch, handler)
    assert cli.main(["classify"]) == 3
    err = capsys.readouterr().err
    assert err == "camdigit: error: no such thing\n"


def test_an_unexpected_exception_shows_its_traceback(monkeypatch, capsys):
    def handler(args: argparse.Namespace) -> int:
        raise RuntimeError("a bug deep inside")

    _patch_classify(monkeypatch, handler)
    assert cli.main(["classify"]) != 0
    err = capsys.readouterr().err
    assert "Traceback (most recent call last)" in err
    assert "RuntimeError: a bug deep inside" in err
    assert err.rstrip().splitlines()[-1] == cli.BUG_HINT


def test_a_value_error_is_no_longer_taken_for_a_user_error(monkeypatch, capsys):
    def handler(args: argparse.Namespace) -> int:
        raise ValueError("operands could not be broadcast together")

    _patch_classify(monkeypatch, handler)
    assert cli.main(["classify"]) == 1
    assert "Traceback" in capsys.readouterr().err
