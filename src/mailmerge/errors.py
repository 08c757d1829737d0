"""The one exception family of mailmerge: the CLI catches MailmergeError and nothing else."""

from __future__ import annotations

from collections.abc import Sequence

from mailmerge.models import Problem


class MailmergeError(Exception):
    """Base of every error a user can act on; the message says where, what, and how to fix it."""


class ConfigError(MailmergeError):
    """The cycle config (mailmerge.toml) is missing, unreadable or inconsistent."""


class NoRun(MailmergeError):
    """The output folder holds no finished run (no manifest.csv): in the workspace, the state before the first 作成."""


class ProblemsFound(MailmergeError):
    """The roster or the templates have problems; nothing was written."""

    def __init__(self, problems: Sequence[Problem]):
        self.problems = tuple(problems)
        # The CLI shows the problems and its own closing line; the message is for library callers.
        super().__init__("\n".join(str(p) for p in self.problems if p.is_error))


class TemplateRenderError(MailmergeError):
    """A template could not be rendered for a member (strict: no silent blanks)."""


class ConversionError(MailmergeError):
    """LibreOffice did not produce a good PDF for a document, even after a retry."""


class LibreOfficeNotWorking(ConversionError):
    """LibreOffice made no PDF at all and kept hanging or crashing: the run stops early."""


class BundleError(MailmergeError):
    """Documents cannot be combined into one file for a single conversion; convert them one by one."""


class VerificationError(MailmergeError):
    """A generated PDF is not what the member must receive (missing, truncated, wrong member)."""


class OutputLockedError(MailmergeError):
    """Another run is writing into the same output folder."""


class RunInterrupted(MailmergeError):
    """The run was stopped (Ctrl-C); what was finished is kept and the next run resumes."""


class PrintError(MailmergeError):
    """The print bundles cannot be made: nothing to print, a PDF changed since approval, a font missing."""


class PrintOutdated(PrintError):
    """A print refused because the approvals or the files are not what a print may use now.

    Nothing approved, a PDF changed or gone since its approval, a run under way: an earlier print's
    bundles and labels may hold a member who must not be mailed (mailing sets them aside).
    """


class AllSent(PrintError):
    """Every approved member is sealed with its current documents: nothing new to print.

    ``count`` lets a page say it in its own words (the command line's names its options).
    """

    def __init__(self, message: str, count: int):
        super().__init__(message)
        self.count = count


class NothingToSeal(MailmergeError):
    """`mailmerge archive`: every approved member of the cycle is already sealed."""
