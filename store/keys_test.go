package store

import "testing"

func TestHashTag(t *testing.T) {
	tests := []struct{ key, want string }{
		{"callqa:minio-events", "callqa:minio-events"},
		{"callqa:{events}:list", "events"},
		{"a{}b{c}", "a{}b{c}"},
		{"{x}{y}", "x"},
		{"open{only", "open{only"},
	}
	for _, tt := range tests {
		if got := HashTag(tt.key); got != tt.want {
			t.Errorf("HashTag(%q) = %q, want %q", tt.key, got, tt.want)
		}
	}
}

// TestScriptKeysShareSlot checks the contract of the key layout: the keys
// each script touches together map to one Redis Cluster slot.
func TestScriptKeysShareSlot(t *testing.T) {
	k := NewKeys("")
	const unit = "sgcc-hz"
	q := k.Queue("callqa:minio-events", "calls")
	qt := k.Queue("ev{shard7}", "calls")
	groups := map[string][]string{
		"put": {k.Call(unit, "c1"), k.History(unit, "c1"), k.Aggregate(unit, DimUnit, unit, "2026-11-22"),
			k.Aggregate(unit, DimAgent, "A{1}", "2026-11-22"), k.Aggregate(unit, DimTeam, "95598-一班", "2026-11-22"),
			k.IndexKey(unit, IndexScore, ""), k.IndexKey(unit, IndexRule, "greeting.missing"),
			k.AggregateSet(unit), k.Members(unit, DimAgent)},
		"queue":        {q.Events, q.Stream, q.Dead, q.Marks, q.Parts, q.PartsGen, q.Waiting},
		"queue tagged": {qt.Events, qt.Stream, qt.Dead, qt.Marks, qt.Parts, qt.PartsGen, qt.Waiting},
	}
	for name, keys := range groups {
		want := slot(keys[0])
		for _, key := range keys[1:] {
			if got := slot(key); got != want {
				t.Errorf("%s: %q is in slot %d, %q in %d", name, key, got, keys[0], want)
			}
		}
	}
}

// slot is Redis Cluster's key slot: CRC16 (XMODEM) of the hash tag mod 16384.
func slot(key string) int {
	var crc uint16
	for _, b := range []byte(HashTag(key)) {
		crc ^= uint16(b) << 8
		for range 8 {
			if crc&0x8000 != 0 {
				crc = crc<<1 ^ 0x1021
			} else {
				crc <<= 1
			}
		}
	}
	return int(crc) % 16384
}
