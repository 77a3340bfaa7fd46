"""Shop request and response bodies, one module per sub-feature; request bodies follow
``kit.inputs`` (strict, no unknown fields)."""
