"""Cancel TikTok campaigns, ad groups or ads (seed 000), one module per use case:

- ``preview``: what a cancel would do, the money per object and in total (reads only);
- ``confirm``: the operator's confirm (the items, an operation, the job) and the retry of the
  items that failed;
- ``run``: the job's steps, the status updates sent under the rate limit, each object's
  snapshot and money stored before it is changed, the results, the freed budget;
- ``reads``: one cancellation, the log with filters.
"""
