"""The ``grader`` command: one module per subcommand, registered here.

Exit codes: 0 done; 1 the work could not complete; 2 usage error;
3 sandbox or environment problem.

Example:

>>> main(["--help"])  # doctest: +SKIP
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence

from grader.cli import audit, build, check, grade, mutate, publish
from grader.config import ConfigError

COMMANDS = {"build": build, "grade": grade, "check": check, "audit": audit, "publish": publish, "mutate": mutate}
EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_ENVIRONMENT = 0, 1, 2, 3


def error(message: str, tip: str = "") -> None:
    """Print one ERROR line (and a TIP) to stderr, the single error path of the CLI."""
    print(f"ERROR: {message}", file=sys.stderr)
    if tip:
        print(f"TIP: {tip}", file=sys.stderr)


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="grader", description=__doc__.splitlines()[0])
    top.add_argument("-v", "--verbose", action="store_true", help="log what the grader does")
    subs = top.add_subparsers(dest="command", required=True)
    for name, module in COMMANDS.items():
        sub = subs.add_parser(name, help=module.__doc__.splitlines()[0], description=module.__doc__)
        module.add_arguments(sub)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = parser().parse_args(argv)
    except SystemExit as exc:
        return EXIT_OK if exc.code in (0, None) else EXIT_USAGE
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    for noisy in ("traitlets", "asyncio"):
        logging.getLogger(noisy).setLevel(logging.CRITICAL)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # the judge may load Keras: no pages of TensorFlow's C++ log
    try:
        return COMMANDS[args.command].run(args)
    except ConfigError as exc:  # a flag or a [tool.grader] value: one line, no traceback
        error(str(exc))
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
