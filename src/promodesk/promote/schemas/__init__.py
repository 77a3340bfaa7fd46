"""Promote request and response bodies: orders side and money side."""
