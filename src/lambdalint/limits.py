"""lambdalint's own safety limits: how much work an untrusted input may cost.

One table, each number with the reason it has this value.  They bound time and memory on hostile
inputs (zip bombs, alias bombs, variable bombs, deeply nested code, crafted binaries, huge files);
an input that needs more is reported (LL002, or LL001 where CPython itself refuses the code) and not
analysed, never analysed in part.  They are not AWS facts (those live in `lambdalint/data/`).
"""

# -- files and archive members ---------------------------------------------------------------------
# Largest file or archive member read whole (sources, RECORD files, .pyc checks).  The largest
# hand-written or generated Python modules seen in real bundles are a few MB; 16 MiB keeps a few
# files in memory at once well under the 300 MB budget.
MAX_READ_BYTES = 16 * 1024 * 1024

# -- configuration documents ------------------------------------------------------------------------
# Largest template, serverless.yml or .tf file: CloudFormation accepts 1 MB templates (S3-hosted),
# SAM expands them before that; 32 MiB leaves room for generated configurations.
MAX_TEMPLATE_BYTES = 32 * 1024 * 1024
# Nodes a document may expand to, aliases included: the largest real templates have ~50,000 nodes;
# a "billion laughs" alias bomb needs far more than 500,000 to hurt.
MAX_TEMPLATE_NODES = 500_000
# Nesting depth of a document: real templates nest < 20 levels; recursion in the builders stays
# far from the interpreter's limit.
MAX_TEMPLATE_DEPTH = 200
# Digits of an integer written as text (`Timeout: "900"`) that rules convert to a number: CPython's
# int() refuses more than sys.get_int_max_str_digits() digits (4,300 by default, never under 640),
# and every numeric Lambda setting is below 10**12, so a longer number is only ever "too large".
MAX_INT_TEXT_DIGITS = 600

# -- fixes ---------------------------------------------------------------------------------------
# Passes of `--fix`/`--diff` (a fix can make another one possible, e.g. a second import of the
# same heavy package); each pass re-checks the project, real chains are 2-3 passes long.
MAX_FIX_PASSES = 10

# -- progress display ------------------------------------------------------------------------------
LONG_RUN_FILES = 2_000  # a progress bar appears past this many files (on a terminal)
LONG_RUN_BYTES = 200 * 1024 * 1024  # or past this many archive bytes
