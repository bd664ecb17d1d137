"""Type stub of the stage: the names it offers, for type checkers and for lazy_loader."""

from .files import guard, sanitize_filename, sweep_sessions, transcript_html
from .serve import KERNEL_CULL_INTERVAL_S, KERNEL_IDLE_CULL_S, is_loopback, new_token, server_settings, voila_command
from .session import CLIP_NAME, MAX_UPLOAD_MB, AppSession
from .upload import UPLOAD_CHUNK_BYTES, ChunkedUpload, Upload

__all__ = [
    "UPLOAD_CHUNK_BYTES",
    "ChunkedUpload",
    "Upload",
    "AppSession",
    "CLIP_NAME",
    "KERNEL_CULL_INTERVAL_S",
    "KERNEL_IDLE_CULL_S",
    "MAX_UPLOAD_MB",
    "guard",
    "is_loopback",
    "new_token",
    "sanitize_filename",
    "server_settings",
    "sweep_sessions",
    "transcript_html",
    "voila_command",
]
