"""Writes the recording atomically: a temp file beside the target, fsync, then os.replace. A reader (or a kill -9
at any moment) sees either the previous complete file or the new complete file, never a partial one."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from gangplank_record.jsontypes import Json

_COMPACT: dict[str, Any] = {"separators": (",", ":"), "ensure_ascii": False}


def render(doc: Json) -> str:
    """JSON with one sample or event per line: small, and a diff of two recordings stays readable."""
    lines = ["{"]
    keys = list(doc)
    for index, key in enumerate(keys):
        comma = "," if index < len(keys) - 1 else ""
        value = doc[key]
        if key in ("samples", "events") and isinstance(value, list) and value:
            items = ",\n".join("  " + json.dumps(item, **_COMPACT) for item in value)
            lines.append(f"{json.dumps(key)}: [\n{items}\n]{comma}")
        else:
            lines.append(f"{json.dumps(key)}: {json.dumps(value, **_COMPACT)}{comma}")
    lines.append("}")
    return "\n".join(lines) + "\n"


def write_atomic(path: Path, doc: Json) -> int:
    """Writes doc to path; returns the size in bytes."""
    text = render(doc).encode("utf-8")
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(temp, "wb") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, path)
    finally:
        if temp.exists():
            temp.unlink()
    return len(text)
