"""promodesk: start, watch and stop promotions safely, with every coin and cent accounted for."""

__version__ = "0.1.0"
