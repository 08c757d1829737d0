"""`mailmerge` and `python -m mailmerge`: start the command line, also when Ctrl-C comes while it loads."""

from __future__ import annotations

import sys

from mailmerge import messages


def entry() -> None:
    """Run the command line; a Ctrl-C while its libraries load is one line and exit status 130."""
    started = False
    try:
        from mailmerge import cli  # loads pandas, Jinja, PDFium: a second or so

        cli.IGNORE_STOPS_WHEN_DONE = True
        started = True
        cli.main()
    except KeyboardInterrupt:
        # Past the command's own handling (click's set-up or teardown): still one line, per command.
        sys.stderr.write(
            f"{messages.ERROR_PREFIX}{messages.interrupted(_command(sys.argv[1:]) if started else None)}\n"
        )
        sys.exit(130)


def _command(args: list[str]) -> str | None:
    """Return the command named on the command line (the first word not an option), if any."""
    return next((a for a in args if not a.startswith("-")), None)


if __name__ == "__main__":
    entry()
