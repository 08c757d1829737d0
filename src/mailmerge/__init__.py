"""ats-mailmerge: the ATS renewal notices, from the member roster to one DOCX and PDF per member."""

__version__ = "0.1.0"
