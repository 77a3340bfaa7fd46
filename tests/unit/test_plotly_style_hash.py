"""The console's Content-Security-Policy allows plotly.js's one built-in style sheet by its hash:
recompute that hash from the installed bundle, so an upgrade of plotly that changes the sheet
fails here instead of as a policy violation in the browser."""

from __future__ import annotations

import base64
import hashlib
import re
from importlib import resources

from promodesk.kit.security_headers import PLOTLY_MAP_STYLE


def test_the_policy_names_the_hash_of_the_bundles_map_style_sheet() -> None:
    bundle = resources.files("plotly") / "package_data" / "plotly.min.js"
    source = bundle.read_text(encoding="utf-8")
    found = re.search(
        r"\.textContent='(\.maplibregl-map\{[^']*)',document\.head\.appendChild", source
    )
    assert found is not None, "plotly.min.js no longer adds its map style sheet this way"
    digest = base64.b64encode(hashlib.sha256(found.group(1).encode()).digest()).decode()
    assert f"'sha256-{digest}'" == PLOTLY_MAP_STYLE
