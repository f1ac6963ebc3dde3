"""docs/te.md runs verbatim: every ```python block, in order, in one namespace."""
from __future__ import annotations

import os
import re


def test_docs_te_md_runs(capsys):
    path = os.path.join(os.path.dirname(__file__), "..", "..", "docs", "te.md")
    with open(path, encoding="utf-8") as f:
        blocks = re.findall(r"```python\n(.*?)```", f.read(), re.S)
    assert len(blocks) >= 5
    ns: dict = {}
    for k, block in enumerate(blocks):
        exec(compile(block, f"docs/te.md block {k}", "exec"), ns)  # noqa: S102 - the documentation's own code
    printed = capsys.readouterr().out
    assert "xp.exp(t1, out=t1)" in printed
