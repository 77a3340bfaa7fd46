"""A local stand-in of TikTok's Marketing API v1.3 with the same wire format."""

from promodesk.sandbox.app import Sandbox, create_sandbox_app
from promodesk.sandbox.config import DEFAULT_APP_ID, DEFAULT_SECRET, SandboxConfig

__all__ = ["DEFAULT_APP_ID", "DEFAULT_SECRET", "Sandbox", "SandboxConfig", "create_sandbox_app"]
