package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/redis/go-redis/v9"

	"callqa/store"
)

// The score stream: one reader per server follows the store's stream of
// new scores (XREAD) and fans each score out to the open /v1/scores/stream
// requests, each of which filters it like /v1/calls. A client that
// reconnects with Last-Event-ID first gets what it missed from the stream
// (as far as the stream's length reaches back).

// scoreEvent is one score as the stream sends it.
type scoreEvent struct {
	id   string
	item *store.ListItem // nil when the call is gone again
	// StoredAt is when the score was stored.
	storedAt time.Time
}

type scoreEventJSON struct {
	callSummary
	StoredAt time.Time `json:"stored_at"`
}

// subscriber is one open stream.
type subscriber struct {
	ch chan scoreEvent
	// lagged is closed when the subscriber fell behind and was dropped.
	lagged chan struct{}
}

// subscriberBuffer is how many events a stream may fall behind before
// it is closed (the client reconnects and catches up by Last-Event-ID).
const subscriberBuffer = 256

// hub reads the scores stream for every subscriber.
type hub struct {
	st      *store.Store
	log     *slog.Logger
	metrics *metrics

	mu     sync.Mutex
	subs   map[*subscriber]bool
	cancel context.CancelFunc
	done   chan struct{}
}

func newHub(st *store.Store, log *slog.Logger, m *metrics) *hub {
	return &hub{st: st, log: log, metrics: m, subs: map[*subscriber]bool{}}
}

// subscribe registers a subscriber, starting the reader if it is the
// first; the reader starts at the stream's current end.
func (h *hub) subscribe(ctx context.Context) (*subscriber, string, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	sub := &subscriber{ch: make(chan scoreEvent, subscriberBuffer), lagged: make(chan struct{})}
	last := ""
	if h.cancel == nil {
		id, err := h.lastID(ctx)
		if err != nil {
			return nil, "", err
		}
		rctx, cancel := context.WithCancel(context.Background())
		h.cancel, h.done = cancel, make(chan struct{})
		go h.read(rctx, id, h.done)
		last = id
	}
	h.subs[sub] = true
	h.metrics.sseClients.Inc()
	return sub, last, nil
}

func (h *hub) unsubscribe(sub *subscriber) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.subs[sub] {
		delete(h.subs, sub)
		h.metrics.sseClients.Dec()
	}
	if len(h.subs) == 0 && h.cancel != nil {
		h.cancel()
		h.cancel = nil
	}
}

// close stops the reader and waits for it.
func (h *hub) close() {
	h.mu.Lock()
	cancel, done := h.cancel, h.done
	h.cancel = nil
	h.mu.Unlock()
	if cancel != nil {
		cancel()
		<-done
	}
}

// lastID returns the id of the stream's newest entry, or "0-0".
func (h *hub) lastID(ctx context.Context) (string, error) {
	msgs, err := h.st.Client().XRevRangeN(ctx, h.st.Keys().Scores(), "+", "-", 1).Result()
	if err != nil {
		return "", err
	}
	if len(msgs) == 0 {
		return "0-0", nil
	}
	return msgs[0].ID, nil
}

// readBlock is how long one XREAD waits for a new score.
const readBlock = 5 * time.Second

// read follows the stream from after id until ctx ends.
func (h *hub) read(ctx context.Context, id string, done chan struct{}) {
	defer close(done)
	for ctx.Err() == nil {
		res, err := h.st.Client().XRead(ctx, &redis.XReadArgs{
			Streams: []string{h.st.Keys().Scores(), id}, Count: 100, Block: readBlock,
		}).Result()
		if errors.Is(err, redis.Nil) {
			continue
		}
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			h.log.Warn("reading the scores stream failed; retrying", slog.Any("err", err))
			select {
			case <-ctx.Done():
				return
			case <-time.After(time.Second):
			}
			continue
		}
		for _, st := range res {
			for _, m := range st.Messages {
				id = m.ID
				ev, err := h.event(ctx, m)
				if err != nil {
					h.log.Warn("reading a new score failed", slog.String("id", m.ID), slog.Any("err", err))
					continue
				}
				h.metrics.sseEvents.Inc()
				h.publish(ev)
			}
		}
	}
}

// event turns a stream entry into an event with the call's listing fields.
func (h *hub) event(ctx context.Context, m redis.XMessage) (scoreEvent, error) {
	str := func(k string) string {
		s, _ := m.Values[k].(string)
		return s
	}
	ev := scoreEvent{id: m.ID}
	if ms, err := strconv.ParseInt(str("stored_at"), 10, 64); err == nil {
		ev.storedAt = time.UnixMilli(ms).UTC()
	}
	it, err := h.st.ListItem(ctx, str("unit"), str("call_id"))
	if err != nil {
		return ev, err
	}
	ev.item = it
	return ev, nil
}

func (h *hub) publish(ev scoreEvent) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for sub := range h.subs {
		select {
		case sub.ch <- ev:
		default:
			delete(h.subs, sub)
			h.metrics.sseClients.Dec()
			close(sub.lagged)
		}
	}
}

// streamIDLess reports whether stream id a comes before b.
func streamIDLess(a, b string) bool {
	am, as, _ := strings.Cut(a, "-")
	bm, bs, _ := strings.Cut(b, "-")
	ami, _ := strconv.ParseUint(am, 10, 64)
	bmi, _ := strconv.ParseUint(bm, 10, 64)
	if ami != bmi {
		return ami < bmi
	}
	asi, _ := strconv.ParseUint(as, 10, 64)
	bsi, _ := strconv.ParseUint(bs, 10, 64)
	return asi < bsi
}

// validStreamID reports whether s is a stream id (ms-seq).
func validStreamID(s string) bool {
	m, q, ok := strings.Cut(s, "-")
	if !ok {
		return false
	}
	_, err1 := strconv.ParseUint(m, 10, 64)
	_, err2 := strconv.ParseUint(q, 10, 64)
	return err1 == nil && err2 == nil
}

// heartbeat is how often an idle stream sends a comment, so proxies keep
// it open.
const heartbeat = 15 * time.Second

// catchUpMax bounds the events a reconnecting client is sent from before
// it connected.
const catchUpMax = 1000

// streamScores sends new scores as server-sent events (event "score",
// data a call summary with stored_at), filtered like /v1/calls.
func (s *Server) streamScores(c *gin.Context) {
	const op = "api.streamScores"
	p := principal(c)
	f, err := s.parseFilter(c, op, p, false)
	if err != nil {
		fail(c, err)
		return
	}
	lastEventID := c.GetHeader("Last-Event-ID")
	if lastEventID != "" && !validStreamID(lastEventID) {
		fail(c, invalid(op, "Last-Event-ID", "%q is not an event id of this stream", truncate(lastEventID, 40)))
		return
	}
	ctx := c.Request.Context()
	sub, _, err := s.hub.subscribe(ctx)
	if err != nil {
		fail(c, fromStore(op, &store.Error{Op: "store.Scores", Err: err}))
		return
	}
	defer s.hub.unsubscribe(sub)

	w := c.Writer
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	if _, err := fmt.Fprint(w, "retry: 3000\n: connected\n\n"); err != nil {
		return
	}
	w.Flush()

	q := f.q
	sent := lastEventID
	send := func(ev scoreEvent) error {
		if sent != "" && !streamIDLess(sent, ev.id) {
			return nil
		}
		sent = ev.id
		if ev.item == nil || (q.Units != nil && ev.item.Unit != q.Units[0]) || !q.Matches(ev.item) {
			return nil
		}
		b, err := json.Marshal(scoreEventJSON{callSummary: summary(ev.item), StoredAt: ev.storedAt})
		if err != nil {
			return err
		}
		if _, err := fmt.Fprintf(w, "id: %s\nevent: score\ndata: %s\n\n", ev.id, b); err != nil {
			return err
		}
		w.Flush()
		return nil
	}
	if lastEventID != "" {
		msgs, err := s.st.Client().XRangeN(ctx, s.st.Keys().Scores(), "("+lastEventID, "+", catchUpMax).Result()
		if err != nil {
			s.log.Warn("catching up a score stream failed", slog.Any("err", err))
			return
		}
		for _, m := range msgs {
			ev, err := s.hub.event(ctx, m)
			if err != nil {
				return
			}
			if send(ev) != nil {
				return
			}
		}
	}
	tick := time.NewTicker(heartbeat)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-sub.lagged:
			return
		case ev := <-sub.ch:
			if send(ev) != nil {
				return
			}
		case <-tick.C:
			if _, err := fmt.Fprint(w, ": ping\n\n"); err != nil {
				return
			}
			w.Flush()
		}
	}
}
