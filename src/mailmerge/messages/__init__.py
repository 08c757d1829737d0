"""Every sentence the secretariat can read, in one catalogue, so the wording is reviewed in one place.

Messages are plain Japanese: where (file, Excel row, column, code point), what is wrong, and what to do.
A message never quotes a name or an address. Each step module takes its messages from here;
third-party English (Jinja, LibreOffice, Python's OSError) is wrapped in a Japanese sentence.
"""

# One catalogue read as one module (messages.X); its parts are split by topic to stay readable.
from mailmerge.messages.archive import *  # noqa: F403
from mailmerge.messages.cli import *  # noqa: F403
from mailmerge.messages.email import *  # noqa: F403
from mailmerge.messages.office import *  # noqa: F403
from mailmerge.messages.review import *  # noqa: F403
from mailmerge.messages.roster import *  # noqa: F403
from mailmerge.messages.run import *  # noqa: F403
from mailmerge.messages.workspace import *  # noqa: F403
