"""The README's Python example, run as written (only the URL and device id changed): it interrupts a
device, sees the session turn interrupted without polling, and ends it."""
from __future__ import annotations

import contextlib
import io
import re

from conftest import REPO


def test_the_readme_example_runs_as_written(hub_server, device):
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Python client"):]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    code = code.replace("http://localhost:8080", hub_server.url).replace("kitchen-speaker-7", device)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "README.md", "exec"), {})
    assert out.getvalue().strip() == "INTERRUPTED True"
