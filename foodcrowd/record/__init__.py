"""Record: everything a run produced lands in its run dir (summary.json, reports) and in the tracker."""
