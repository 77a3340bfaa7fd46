"""Automated rules: conditions on promotions' metrics that pause, stop or notify on their own."""
