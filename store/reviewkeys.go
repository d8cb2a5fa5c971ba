package store

// Keys of reviews, review adjustments and the indexes the API reads. They
// live beside the keys of keys.go and carry the unit's hash tag, so that
// the scripts that touch them with a call's record stay single-slot.

// Review returns the hash of a call's review state: its decisions, the
// pass score, the applied adjustment, the state and the reviewed score
// (see luaReviews).
func (k Keys) Review(unit, callID string) string {
	return k.UnitPrefix(unit) + "rev:" + callID
}

// Audit returns the list of a call's review decisions, oldest first.
func (k Keys) Audit(unit, callID string) string {
	return k.UnitPrefix(unit) + "audit:" + callID
}

// ReviewAdjustment returns the hash of one day's review adjustment of a
// unit (dim DimUnit), agent or team: what reviews change in the
// Aggregate of the same day (fields score, passed, fatal, reviewed,
// overturned, f:<rule>, c:<rule>).
func (k Keys) ReviewAdjustment(unit string, dim Dim, id, day string) string {
	if dim == DimUnit {
		return k.UnitPrefix(unit) + "radj:unit:" + day
	}
	return k.UnitPrefix(unit) + "radj:" + string(dim) + ":" + id + ":" + day
}

// Worst returns the sorted set of one agent's or team's calls of one day
// by reviewed score×10^13 + start (Unix ms): lowest first.
func (k Keys) Worst(unit string, dim Dim, id, day string) string {
	return k.UnitPrefix(unit) + "worst:" + string(dim) + ":" + id + ":" + day
}

// AgentTeams returns the hash from team to the number of an agent's
// stored calls taken for that team.
func (k Keys) AgentTeams(unit, agent string) string {
	return k.UnitPrefix(unit) + "agteams:" + agent
}

// ReviewIndex returns the sorted set of a unit's calls in review state
// state ("partial", "reviewed", or "overturned" for calls with an
// overturned finding), by start in Unix ms.
func (k Keys) ReviewIndex(unit, state string) string {
	return k.UnitPrefix(unit) + "idx:review:" + state
}
