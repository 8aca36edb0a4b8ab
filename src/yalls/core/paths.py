"""Where yalls keeps its local state (`.yalls/`): the embedded database, the secret key, media."""

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[3]
STATE_DIR = Path(os.environ.get("YALLS_HOME", PROJECT_ROOT / ".yalls")).resolve()
PGDATA = STATE_DIR / "pgdata"
