// Package api is callqa's HTTP API for QA reviewers and supervisors (Gin):
// upload transcripts, list and read scored calls, confirm or overturn
// findings, read agent and team reports, follow new scores and run
// rescoring jobs; and the pages under /ui/ that show calls and reports to
// people.
//
// # Access
//
// Every /v1 endpoint needs a bearer token from the auth file
// (CALLQA_AUTH_FILE; the file keeps only the tokens' SHA-256). Reviewers
// read calls and write reviews; supervisors read calls and reports;
// admins do everything, upload included. A token's teams scope what it
// sees: calls of other teams answer 404, reports of other teams 403; an
// agent's report is open to a supervisor of any team the agent took calls
// for. Without the pii grant, customer phone, ID-card and account numbers
// are masked in transcripts, evidence and finding keys (Masker); stored
// data is never masked.
//
// # Reviews and reports
//
// A decision is kept per finding identity (rule, utterance, evidence span
// and text: store.FindingKey), so that it survives a rescoring that still
// produces the finding and shows as an orphaned review when the finding
// is gone. The call's reviewed score is recomputed from the findings that
// stand under the scheme's caps (store.EvalReview): an overturned
// finding's deduction is given back unless another finding of the same
// once-per-call or capped rule still takes it. Every decision goes to the
// call's audit trail (who, when, which finding, decision, comment, review
// state and reviewed score before and after).
//
// Reports are served from the per-day aggregates plus the per-day review
// adjustments that every review moves in the same Lua script (store
// package): their cost grows with the days of the period, not with the
// calls. The main figures (mean_score, pass_rate, fatal_calls,
// findings_by_rule, calls_by_rule, days) are reviewed figures, net of
// overturned findings; "machine" holds the same figures as scored. The
// pass rate counts calls at or above the pass score of their scheme.
//
// # Rescoring
//
// Admins start a rescoring job with POST /v1/rescore and a selection
// ({"prefix": "2026/11/"}, or any of unit, team, from, to and stale, or
// all): 202 with the job. The job rescores with the versions the live
// workers announce (store.RunningVersions): 503 while no worker runs, 409
// while workers of two lexicons run, 409 with error.id while a job of the
// same selection runs. GET /v1/rescore/{id} shows its status (running,
// paused, cancelled, done), total, done, failed, changed, rate and ETA,
// and the summary: score changes (mean, largest rise and fall), findings
// added and removed per rule, reviews orphaned, the first failures;
// pause, resume and cancel change its status. GET /v1/calls/{id}/diff
// shows the score a job replaced beside the current one (or two lexicon
// versions of the call's history), masked like the call's detail.
//
// # Errors
//
// Every error is {"error": {"code", "message", "field"}}; an *Error
// carries an operation and a Kind, and statusOf maps kinds to statuses in
// one place.
package api
