"""Every promotion in every channel: one index, product links, stops across channels."""
