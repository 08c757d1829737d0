"""Every sentence the secretariat can read, in one catalogue, so the wording is reviewed in one place.

Messages are plain Japanese: where (file, Excel row, column, code point), what is wrong, and what to do.
A message never quotes a name or an address. Each step module takes its messages from here;
third-party English (Jinja, LibreOffice, Python's OSError) is wrapped in a Japanese sentence.
"""

from __future__ import annotations

# --- command line (cli) --------------------------------------------------------------------

# --- roster ----------------------------------------------------------------------------------

# --- templates and rendering -------------------------------------------------------------

# --- LibreOffice conversion (pdf) --------------------------------------------------------

# --- verification ----------------------------------------------------------------------------

# --- the run (pipeline, state) -----------------------------------------------------------

# --- review decisions and the review app ---------------------------------------------------

# --- print bundles and labels ----------------------------------------------------------------

# --- archive ---------------------------------------------------------------------------------
