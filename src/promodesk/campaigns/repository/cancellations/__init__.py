"""All SQL of cancellations, one module per use case:

- ``reads``: one cancellation and its items, the log, the ad accounts, the team an alert goes to;
- ``objects``: the mirror rows of the objects cancelled, read and written in bulk;
- ``preview``: whom the money belongs to, the objects' children, spend and earlier frees;
- ``confirm``: the cancellation and its items written, its status changed;
- ``run``: a step's pending items, snapshots and money stored, results and counts;
- ``verification``: the verdicts of the items, the last stop;
- ``unverifiable``: the items that could not be verified (authorization revoked).
"""
