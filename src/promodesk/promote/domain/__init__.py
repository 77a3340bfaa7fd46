"""Promote rules, pure: who may promote what, goals and budgets, coupons, the order and
settlement lifecycles, payment methods by region, payouts, and the delivery batch body."""
