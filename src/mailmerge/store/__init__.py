"""SQLite, in one package: review decisions and prints (DIR/review.db), the e-mail journal (DIR/mail.db),
the archive index (archive.db) and the workspace's jobs (DIR/jobs.db)."""

from mailmerge.store.archive import *  # noqa: F403
from mailmerge.store.base import *  # noqa: F403
from mailmerge.store.base import _transaction  # noqa: F401
from mailmerge.store.jobs import *  # noqa: F403
from mailmerge.store.mail import *  # noqa: F403
from mailmerge.store.review import *  # noqa: F403
