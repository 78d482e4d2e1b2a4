"""lambdalint's own safety limits: how much of an untrusted input it is willing to read.

These bound time and memory on hostile inputs (zip bombs, YAML alias bombs, huge files); they are
not AWS facts (those live in `lambdalint/data/`).
"""

MAX_READ_BYTES = 16 * 1024 * 1024  # largest member or file read into memory
MAX_TEMPLATE_BYTES = 32 * 1024 * 1024  # larger templates are reported as unreadable
MAX_TEMPLATE_NODES = 500_000  # nodes built from a template, aliases expanded (alias bombs)
MAX_TEMPLATE_DEPTH = 200  # nesting depth of a template
LONG_RUN_FILES = 2_000  # a progress bar appears past this many files (on a terminal)
LONG_RUN_BYTES = 200 * 1024 * 1024  # or past this many archive bytes
