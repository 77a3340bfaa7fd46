"""Console pages of the Shop: activities and enrollments, cancel and its alternatives, stock to
zero, batches and snapshots, remediation, the review."""
