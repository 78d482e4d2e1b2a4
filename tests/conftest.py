import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

# Every run of the test session keeps its parse cache in one scratch folder, never in the user's.
import os  # noqa: E402
import tempfile  # noqa: E402

os.environ.setdefault("LAMBDALINT_CACHE_DIR", tempfile.mkdtemp(prefix="lambdalint-test-cache-"))
