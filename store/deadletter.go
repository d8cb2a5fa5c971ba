package store

import (
	"context"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// deadScript moves a message to the dead-letter stream and acknowledges it.
//
// KEYS[1] the work stream
// KEYS[2] the marks hash
// KEYS[3] the dead-letter stream
// ARGV[1] group
// ARGV[2] message id
// ARGV[3] object key
// ARGV[4] the ETag that was rejected; empty to leave the mark as it is
// ARGV[5] reason
// ARGV[6] source of the message
// ARGV[7] now, Unix ms
// ARGV[8] the dead-letter stream's approximate maximum length
// ARGV[9] deliveries of the message
//
// Returns the dead letter's id.
var deadScript = redis.NewScript(`
local id = redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[8], '*', 'key', ARGV[3],
  'etag', ARGV[4], 'reason', ARGV[5], 'src', ARGV[6], 'msg', ARGV[2], 'at', ARGV[7],
  'deliveries', ARGV[9])
if ARGV[4] ~= '' then
  redis.call('HSET', KEYS[2], ARGV[3], 'd:' .. ARGV[7] .. ':' .. ARGV[4])
end
redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
redis.call('XDEL', KEYS[1], ARGV[2])
return id
`)

// DeadLetter moves msg to the dead-letter stream with the reason it cannot
// be scored, and acknowledges it, in one atomic step. With a non-empty
// etag that object version is marked dead, so that neither events nor the
// scan queue it again; a new version of the object is scored as usual.
func (q *Queue) DeadLetter(ctx context.Context, msg Message, etag, reason string) error {
	err := deadScript.Run(ctx, q.rdb, []string{q.keys.Stream, q.keys.Marks, q.keys.Dead},
		q.group, msg.ID, msg.Object, etag, reason, msg.Source, time.Now().UnixMilli(),
		q.deadMaxLen, msg.Deliveries).Err()
	if err != nil {
		return opErrf("store.Queue.DeadLetter", "dead-letter %s (%s): %w", msg.ID, msg.Object, err)
	}
	return nil
}

// Letter is one entry of the dead-letter stream.
type Letter struct {
	ID     string
	Object string
	ETag   string
	Reason string
	Source string
	// MessageID is the id the message had in the work stream; empty for a
	// malformed event, which never was a message.
	MessageID  string
	At         time.Time
	Deliveries int64
	// Event is the start of a malformed event's text.
	Event string
}

// DeadLetters returns up to count dead letters, oldest first, from id
// start on ("-" for the beginning).
func (q *Queue) DeadLetters(ctx context.Context, start string, count int64) ([]Letter, error) {
	msgs, err := q.rdb.XRangeN(ctx, q.keys.Dead, start, "+", count).Result()
	if err != nil {
		return nil, opErr("store.Queue.DeadLetters", err)
	}
	out := make([]Letter, 0, len(msgs))
	for _, m := range msgs {
		out = append(out, parseLetter(m))
	}
	return out, nil
}

func parseLetter(m redis.XMessage) Letter {
	str := func(k string) string {
		s, _ := m.Values[k].(string)
		return s
	}
	deliveries, _ := strconv.ParseInt(str("deliveries"), 10, 64)
	return Letter{ID: m.ID, Object: str("key"), ETag: str("etag"), Reason: str("reason"),
		Source: str("src"), MessageID: str("msg"), At: millis(str("at")),
		Deliveries: deliveries, Event: str("event")}
}
