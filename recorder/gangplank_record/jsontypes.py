"""The JSON shapes the recorder reads from Ray and writes to the recording (kept loose: Ray's payloads vary)."""

from typing import Any

# One JSON object as Ray returns it or as the recording stores it.
Json = dict[str, Any]
