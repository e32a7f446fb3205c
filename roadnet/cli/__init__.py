"""The ``roadnet`` command line: thin typer commands over the library, one module each.

Bad input ends with exit code 2 and one message naming the file, layer, feature and field;
``--debug`` shows the traceback.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from collections.abc import Sequence

from roadnet.cli.app import app
from roadnet.errors import RoadnetError

# One module per command; importing a module registers its command on `app`. The modules
# import their heavy dependencies inside the command functions, so `roadnet --help` is fast.
for _module in pkgutil.iter_modules(__path__):
    if _module.name != "app":
        importlib.import_module(f"{__name__}.{_module.name}")

EXIT_BAD_INPUT = 2


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code (the console script exits with it)."""
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    try:
        app(args=args, prog_name="roadnet")
    except SystemExit as exc:  # typer's standalone mode always ends here
        code = exc.code
        return code if isinstance(code, int) else (0 if code is None else 1)
    except RoadnetError as exc:
        if debug:
            raise
        print(f"roadnet: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    return 0


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())
