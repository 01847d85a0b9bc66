"""The subcommands of ``camdigit``: one module each, each with ``register(subparsers)``.

They import the pipeline, input/output and :mod:`camdigit.commands.options` (what they share),
never :mod:`camdigit.cli`, which only assembles them. This package imports nothing itself, so a
module can take :mod:`camdigit.commands.options` without loading every command.
"""
