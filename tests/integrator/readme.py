"""The install snippets of README.md, as code that tests execute.

README marks each snippet an integrator copies with an HTML comment on the line before its code
fence::

    <!-- install:settings -->
    ```python
    ...
    ```

so the fresh-shop tests and the run of Oscar's own suite apply exactly what README tells a shop
to do. This module imports nothing from the project: it is loaded both as
``tests.integrator.readme`` and, on the path of Oscar's suite (whose package is also called
``tests``), as plain ``readme``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

README = Path(__file__).resolve().parents[2] / "README.md"

_SNIPPET = re.compile(
    r"^<!-- install:(?P<name>[\w-]+) -->\n```python\n(?P<code>.*?)^```", re.MULTILINE | re.DOTALL
)


def snippets(readme: Path = README) -> dict[str, str]:
    """Every marked snippet of ``readme`` by name (a name used twice is an error)."""
    found: dict[str, str] = {}
    for match in _SNIPPET.finditer(readme.read_text(encoding="utf-8")):
        name = match["name"]
        if name in found:
            raise ValueError(f"README.md marks two snippets as install:{name}")
        found[name] = match["code"]
    return found


def snippet(name: str, readme: Path = README) -> str:
    try:
        return snippets(readme)[name]
    except KeyError:
        raise LookupError(
            f"README.md has no snippet marked <!-- install:{name} --> before a python code fence"
        ) from None


def apply(name: str, namespace: dict[str, Any], readme: Path = README) -> None:
    """Execute README's snippet ``name`` in ``namespace`` (a settings or URLconf module's globals)."""
    exec(compile(snippet(name, readme), f"README.md:install:{name}", "exec"), namespace)
