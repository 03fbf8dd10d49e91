"""Optional persistence of the sandbox's records in one JSON file (``--state-file``).

The file is rewritten atomically (temporary file + rename) after each change, so a sandbox
restarted with the same file continues where it stopped: answers and comments the bridge
wrote are still there. Faults, journal and tokens are not kept.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

from decidim_bridge.sandbox.state import SandboxState


class StateFile:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._saved_changes = -1

    def load(self, state: SandboxState) -> bool:
        """Fill ``state`` from the file; ``False`` when there is no file yet."""
        if not self.path.exists():
            return False
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            state.load_dict(data)
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"cannot load sandbox state from {self.path}: {exc}") from exc
        self._saved_changes = state.changes
        return True

    def save_if_changed(self, state: SandboxState) -> bool:
        with self._lock:
            with state.lock:
                if state.changes == self._saved_changes:
                    return False
                data = state.to_dict()
                changes = state.changes
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_suffix(self.path.suffix + ".tmp")
            tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
            os.replace(tmp, self.path)
            self._saved_changes = changes
            return True
