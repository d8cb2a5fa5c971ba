package store

// Keys of batch rescoring jobs and of the worker registry. Every key a
// job's scripts touch together carries the hash tag {rescore}, so that
// creating, planning, acknowledging and finishing a job are single-slot
// scripts on Redis Cluster; jobs are few and their keys small, so one slot
// holds them all. The per-unit summary of a job (RescoreCounts) carries
// the unit's tag instead: it moves in the same script that marks a call of
// the unit as rescored by the job (rescoreAccountScript), which is what
// makes a call count once per job.
//
// A call's hash (Keys.Call) gains these fields from rescoring:
//
//	rescore_job  the id of the last job that accounted for the call
//	prev         the record the last job that changed the call replaced
//	prev_job     that job's id
//	prev_at      when it replaced it, Unix ms

// rescoreTag starts every key of the rescoring jobs.
func (k Keys) rescoreTag() string { return k.prefix + "{rescore}:" }

// RescoreJobs returns the sorted set of every job id, scored by creation
// time in Unix ms.
func (k Keys) RescoreJobs() string { return k.rescoreTag() + "jobs" }

// RescoreActive returns the set of the ids of running and paused jobs.
func (k Keys) RescoreActive() string { return k.rescoreTag() + "active" }

// RescoreSelections returns the hash from a selection's key
// (Selection.Key, with the bucket) to the id of the running or paused job
// that selected it: at most one per selection.
func (k Keys) RescoreSelections() string { return k.rescoreTag() + "selections" }

// RescoreJobPrefix returns the start of every job hash's key; the job id
// follows.
func (k Keys) RescoreJobPrefix() string { return k.rescoreTag() + "job:" }

// RescoreJob returns the hash of one job: its selection, target versions,
// status, cursor and totals (see rescore.go).
func (k Keys) RescoreJob(id string) string { return k.RescoreJobPrefix() + id }

// RescoreStream returns the stream of the objects a job has selected and
// not yet finished, read by the consumer group RescoreGroup.
func (k Keys) RescoreStream(id string) string { return k.rescoreTag() + "queue:" + id }

// RescoreFailures returns the hash from object key to why a job could not
// rescore it; its length is the job's failed count.
func (k Keys) RescoreFailures(id string) string { return k.rescoreTag() + "failed:" + id }

// RescoreFailureList returns the list of the first failures of a job, as
// JSON {object, reason}, for display.
func (k Keys) RescoreFailureList(id string) string { return k.rescoreTag() + "failures:" + id }

// RescorePlanner returns the lease of the worker that selects a job's
// objects (a string holding the consumer name, with a time to live).
func (k Keys) RescorePlanner(id string) string { return k.rescoreTag() + "planner:" + id }

// RescoreCounts returns the hash of what a job changed in the calls of one
// unit: done, changed, score_changed, created, delta_sum, abs_delta_sum,
// delta_max, delta_min, orphaned, a:<rule> (findings added) and r:<rule>
// (findings removed).
func (k Keys) RescoreCounts(unit, id string) string { return k.UnitPrefix(unit) + "rescore:" + id }

// WorkersSeen returns the sorted set of the workers that announced their
// versions, scored by when they last did, in Unix ms.
func (k Keys) WorkersSeen() string { return k.rescoreTag() + "workers" }

// WorkerVersions returns the hash from a worker's consumer name to its
// registration (WorkerInfo as JSON).
func (k Keys) WorkerVersions() string { return k.rescoreTag() + "worker-versions" }
