"""Records a real Ray Serve cluster into `gangplank.recording/v1` (see docs/recording-format.md)."""

__version__ = "0.1.0"
FORMAT = "gangplank.recording/v1"
