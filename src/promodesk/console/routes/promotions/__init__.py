"""Console pages of every promotion in every channel, and of a product across channels."""
