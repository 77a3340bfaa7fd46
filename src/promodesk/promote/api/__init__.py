"""Promote over HTTP: orders (creators, content, coupons, review, delivery) and money."""
