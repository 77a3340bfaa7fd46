"""All SQL of promote: orders (with creators, content and coupons), money, delivery batches."""
