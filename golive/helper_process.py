"""A helper process of the run (``python -m golive.<module>``): started, asked why it ended, stopped by PID.

golive starts two kinds: the TLS scan's child (``golive.tls.child``) and the Allure sink
(``golive.allure_sink``). Both run the same interpreter and the same golive as the run
(``golive.paths.module_command``), keep what they write to stderr in a temporary file (so that
one that dies says why: its exit code and last line) and are ended by their PID, never by name.
"""

from __future__ import annotations

import contextlib
import subprocess
import tempfile
from typing import Any

from golive.paths import module_command


class HelperProcess:
    """One started helper: its ``Popen`` (``process``) and its stderr, kept for ``ended()``."""

    def __init__(self, module: str, *args: str, **popen: Any) -> None:
        command, env = module_command(module, *args)
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 - kept for the helper's life, closed by release()
        try:
            self.process: subprocess.Popen[bytes] = subprocess.Popen(command, stderr=self._stderr, env=env, **popen)
        except BaseException:
            self._stderr.close()
            raise

    def alive(self) -> bool:
        return self.process.poll() is None

    def wait(self, timeout: float) -> bool:
        """Whether it ended within ``timeout`` seconds."""
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            return False
        return True

    def ended(self, wait: float = 1.0) -> str:
        """How it ended (waiting up to ``wait`` for it to): its exit code and the last line of its stderr."""
        self.wait(wait)
        code = self.process.returncode
        text = f"exit code {code}" if code is not None else "still running"
        with contextlib.suppress(OSError, ValueError):
            self._stderr.seek(0)
            lines = [line for line in self._stderr.read().decode(errors="replace").splitlines() if line.strip()]
            if lines:
                text += f": {lines[-1].strip()[:300]}"
        return text

    def stop(self) -> None:
        """End it by its PID: SIGTERM, then SIGKILL if it is still there after 2 s."""
        if self.alive():
            self.process.terminate()
            if not self.wait(2):
                self.process.kill()
                self.wait(2)

    def release(self) -> None:
        """Close what the run keeps of it (its stderr file); call once it has ended."""
        with contextlib.suppress(OSError):
            self._stderr.close()
