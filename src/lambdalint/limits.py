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

# -- zip archives and native binaries ----------------------------------------------------------------
# Entries of one zip archive, counted before zipfile parses its central directory: the largest real
# bundles hold ~30,000 files (as for folders), while zipfile builds a ~500-byte object per entry, so
# a 56 MB archive of 1,000,000 one-letter entries took 60 s and 1.8 GB before any check ran.
MAX_ZIP_ENTRIES = 100_000
# Bytes of a zip's central directory: 100,000 entries with 200-byte paths and extra fields take
# ~25 MB; it is read twice (counted here, then parsed by zipfile).
MAX_ZIP_DIRECTORY_BYTES = 32 * 1024 * 1024
# Deflate's longest match (258 bytes) costs 2 bits at best: ~1,032 bytes out per byte in.  An entry
# declaring more than this ratio lies about its sizes (a zip bomb's cover).
MAX_DEFLATE_RATIO = 1040
# Deflate64's longest match (65,538 bytes) costs 18 bits at best: 29,128 bytes out per byte in.
MAX_DEFLATE64_RATIO = 29_200
# Compressed bytes handed to the Deflate64 decoder per call: unlike zlib it takes no output bound,
# so its input is what bounds one call's output (32 x 29,128 bytes: under 1 MB, plus its 64 KiB
# window).  zipfile hands it 64 KiB at once: 1.2 GB from one call on a crafted stream.
DEFLATE64_INPUT_CHUNK = 32
# Bytes that member reads may produce from one archive in all (sources, RECORD files, binary
# headers; a member read twice counts twice).  Lambda unzips at most 250 MB, and a real bundle's
# reads are a few MB; without a total, 1,000 RECORD files of 16 MiB (a 16 MB zip) inflate 16 GB.
MAX_INFLATED_BYTES_PER_ARCHIVE = 512 * 1024 * 1024
# Bytes of one native binary read (inflated, for a zip member) to judge it: the ELF dynamic table
# can sit at the end of the file (patchelf, as run by auditwheel, moves it there); the largest
# extension modules in real wheels are ~15 MB.
MAX_NATIVE_READ_BYTES = 16 * 1024 * 1024
# Bytes read to judge all the native binaries of one bundle: real binaries need their first 4-64 KiB
# (300 native files: ~20 MB); without a total, 1,000 crafted 16 MiB binaries compressed into a
# 16 MB zip would cost 32 GB of inflating.  Past it, binaries are judged from their header only.
MAX_NATIVE_BYTES_PER_BUNDLE = 256 * 1024 * 1024
# Entries walked in one ELF file: real shared objects have < 15 program headers, < 200 dynamic
# entries and < 100 version needs (libraries and their GLIBC_x.y names together); 65,535 version
# needs that share 65,535 names would be 4 billion visits.
MAX_ELF_PROGRAM_HEADERS = 64
MAX_ELF_DYNAMIC_ENTRIES = 4_096
MAX_ELF_VERSION_ENTRIES = 1_024
# Bytes looked at for one version name: `GLIBC_2.34` and its kin are under 16 bytes; anything
# longer is not a glibc version (the report's ELF: 65,535 names each ran 14 MB to its NUL, 78 s).
MAX_ELF_VERSION_NAME_BYTES = 32

# -- configuration documents ------------------------------------------------------------------------
# Largest template, serverless.yml or .tf file: CloudFormation accepts 1 MB templates (S3-hosted),
# SAM expands them before that; 32 MiB leaves room for generated configurations.
MAX_TEMPLATE_BYTES = 32 * 1024 * 1024
# Nodes (keys, values, items) a document may expand to, aliases included: the largest real
# templates have ~50,000 nodes, and a deployable one is at most 1 MB (~150,000 nodes at the
# densest).  Each node costs ~500 bytes and ~8 us while read, so 250,000 keeps a document at the
# limit near 1-2 s and 150 MB; a "billion laughs" alias bomb is stopped as it crosses it.
MAX_TEMPLATE_NODES = 250_000
# Nesting depth of a document: real templates nest < 20 levels; recursion in the builders stays
# far from the interpreter's limit.
MAX_TEMPLATE_DEPTH = 200
# Digits of an integer written as text (`Timeout: "900"`) that rules convert to a number: CPython's
# int() refuses more than sys.get_int_max_str_digits() digits (4,300 by default, never under 640),
# and every numeric Lambda setting is below 10**12, so a longer number is only ever "too large".
MAX_INT_TEXT_DIGITS = 600
# lambdalint's own configuration (`--config`, lambdalint.toml, pyproject.toml found above the
# checked path): real ones are a few KB, the pyproject.toml of a large monorepo ~100 KB.  1 MiB
# keeps tomllib (pure Python) well under a second.
MAX_CONFIG_BYTES = 1024 * 1024
# A `--baseline` file: ~150 bytes per recorded finding, so 16 MiB is ~100,000 findings (far more
# than any project tolerates in a baseline) and parses in under 150 MB.
MAX_BASELINE_BYTES = 16 * 1024 * 1024
# Digits of a count in a baseline: a real count is a handful of digits; a 4,000-digit one would
# only cost time in int().
MAX_BASELINE_COUNT_DIGITS = 12

# -- expansion of aliases and variables ------------------------------------------------------------
# YAML aliases, `${self:...}` and `local.x` copy a value each time they are used, so a few KB can
# stand for gigabytes.  Sizes are counted on the expanded value (every use counts), before it is
# built; what exceeds a limit is refused (aliases: LL002) or left unresolved (variables: LL002 on
# the value, the rest of the configuration is still checked).  A number written with more than
# MAX_INT_TEXT_DIGITS characters (above) stays text in every loader: out of range for the rules.
# Characters of text a document may expand to, aliases and resolved variables each counted on their
# own: the largest document read written out (MAX_TEMPLATE_BYTES).  More only makes every rule
# scan the same text again; real expansions are a few KB.
MAX_EXPANDED_CHARS = MAX_TEMPLATE_BYTES
# One string built by substituting variables (`${self:custom.x}-${sls:stage}`, `"${local.a}b"`):
# every resolved value ends up in a CloudFormation template, which is at most 1 MB (S3-hosted), so
# a longer value can never deploy; building one costs a few MB at most.
MAX_VARIABLE_STRING_CHARS = 1024 * 1024
# `${self:}` references followed through other references (a -> b -> c ...): real chains are 2-3
# long; longer ones (and cycles) are unresolved.
MAX_VARIABLE_CHAIN = 10
# Variables replaced in one serverless.yml: a large real one has a few hundred.
MAX_VARIABLE_STEPS = 100_000
# Nesting of a Terraform expression as it is evaluated (objects, lists, references followed):
# real configurations stay under 10; Python recursion stays far from the interpreter's limit.
MAX_EXPRESSION_DEPTH = 20

# -- paths on disk ---------------------------------------------------------------------------------
# Files and folders a code folder may hold: Lambda unzips at most 250 MB, and the largest real
# bundles (data-science layers: numpy, pandas, scipy) hold ~30,000 files.  A configured path such
# as `CodeUri: /` must not walk the whole disk; listing 100,000 entries takes well under a second.
MAX_FOLDER_ENTRIES = 100_000

# -- Python sources --------------------------------------------------------------------------------
# A module is measured on its tokens (analysis/source_shape.py, one linear pass) before any parser
# sees it.  Past CPYTHON_MAX_DEPTH nested brackets it is LL001 ("too many nested parentheses", as
# every CPython says); past the other limits it is LL002 "too complex to analyse" and no rule looks
# at it.  Measured on the reference machine (2 cores, CPython 3.11, libcst 1.9).
# Tokens handed to CPython's own parser (ast: the syntax check, the import scan): its tree costs
# ~500 bytes per token (a 2 MB list of 1,000,000 numbers: 2.9 s and 984 MB; 2 MB of typing.py,
# 260,000 tokens: 0.6 s and 143 MB).  300,000 tokens stay under ~150 MB and half a second.
MAX_PARSED_TOKENS = 300_000
# Nested brackets: CPython's tokenizer refuses more than 200 (MAXLEVEL, the same in every Python 3).
# Not a choice of lambdalint: past it a module is LL001, whatever its runtime.
CPYTHON_MAX_NESTING = 200
# Bytes of a module analysed with libcst: its parse and metadata cost grows with the text as well
# as with the tokens (pydoc's topics.py, 756 KB of long strings in 15,800 tokens: 8.5 s).
MAX_ANALYSED_BYTES = 256 * 1024
# Tokens of a module analysed with libcst (parse, scopes, positions, every rule): its cost is linear
# but high, 60-180 us per token.  At 16,000 tokens the worst shapes found take under 2 s of CPU and
# 160 MB (1,228 statements of ten unary minus signs: 1.7 s, 79 MB; 155 chains of a hundred: 2.0 s,
# 158 MB; 880 handlers sharing a heavy import: 2.0 s, 79 MB); ordinary code is cheaper (typing.py,
# 11,600 tokens: 1.7 s).  16,000 tokens is ~2,000 lines of ordinary code.
MAX_ANALYSED_TOKENS = 16_000
# Sum of the depth of every opening bracket.  libcst's parser keeps ~4.5 KB per unit: 200 nested
# calls (20,100, the deepest nest CPython accepts) cost 0.4 s and 90 MB, ten of them 4.3 s and
# 908 MB, 3,000 levels abort at 7 GB.  Real modules weigh 1,000-6,000 (typing.py: 1,670).
MAX_NESTING_WEIGHT = 25_000
# Sum, over tokens, of their place in their comma-free run (a chain of n tokens weighs ~n*n/2):
# chains are parsed and visited recursively, so their cost is quadratic (2,000 unary minus signs,
# 2,000,000: 1.3 s and 250 MB; 3,000 `+` terms: 4.1 s; 10,000 `and` terms: RecursionError in
# libcst's visitors).  Real modules weigh 30,000-60,000; one 1,000-token expression weighs 500,000.
# At the limit: 7 chains of 500 `not`: 0.9 s, 135 MB; 49 sums of 100 terms: 1.2 s, 57 MB.
MAX_CHAIN_WEIGHT = 1_000_000

# -- fixes ---------------------------------------------------------------------------------------
# Passes of `--fix`/`--diff` (a fix can make another one possible, e.g. a second import of the
# same heavy package); each pass re-checks the project, real chains are 2-3 passes long.
MAX_FIX_PASSES = 10

# -- progress display ------------------------------------------------------------------------------
LONG_RUN_FILES = 2_000  # a progress bar appears past this many files (on a terminal)
LONG_RUN_BYTES = 200 * 1024 * 1024  # or past this many archive bytes
