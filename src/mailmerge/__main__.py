"""`mailmerge` and `python -m mailmerge`: start the command line, also when Ctrl-C comes while it loads."""

from __future__ import annotations

import sys

from mailmerge import messages


def entry() -> None:
    """Run the command line; a Ctrl-C while its libraries load is one line and exit status 130."""
    try:
        from mailmerge.cli import main  # loads pandas, Jinja, PDFium: a second or so

        main()
    except KeyboardInterrupt:
        sys.stderr.write(f"Error: {messages.CLI_INTERRUPTED}\n")
        sys.exit(130)


if __name__ == "__main__":
    entry()
