"""Cancel TikTok campaigns, ad groups or ads (seed 000), one module per use case:

- ``preview``: what a cancel would do, the money per object and in total (reads only);
- ``confirm``: the operator's confirm (the items, an operation, the job) and the retry of the
  items that failed;
- ``run``: the job's steps, the status updates sent under the rate limit, each object's
  snapshot and money stored before it is changed, the results, the freed budget;
- ``readback``: every stopped object read back from TikTok (the object, its children, the
  spend after the stop);
- ``verification``: the verdicts of what was read back, after the settle delay and later, a
  failed check alerting the team;
- ``undo``: a paused object switched on again, a deleted campaign re-created from its snapshot;
- ``reads``: one cancellation, the log with filters.
"""
