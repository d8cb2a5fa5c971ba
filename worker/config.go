package worker

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"time"

	"callqa/adapt"
)

// Config configures a Worker. Bucket is required; every other zero field
// takes the default named beside it.
type Config struct {
	// Bucket is the bucket whose objects are scored.
	Bucket string
	// Workers is how many messages are processed at once; runtime.NumCPU
	// when zero.
	Workers int
	// Consumer names this worker in the consumer group; host name and
	// process id when empty. Names must differ between live workers.
	Consumer string
	// ClaimAfter is the visibility timeout: a message delivered to a
	// worker and not acknowledged for this long is claimed by another.
	// One minute when zero.
	ClaimAfter time.Duration
	// ScanEvery is the period of the reconciling scan after the one at
	// start; ten minutes when zero, no periodic scan when negative.
	ScanEvery time.Duration
	// NoScan turns the reconciling scan off, the one at start included:
	// for benchmarks whose objects all arrive as events. A deployment
	// keeps it on; it is what finds the objects whose events were missed.
	NoScan bool
	// MaxDeliveries is how often a message may be delivered before it is
	// dead-lettered as one that keeps failing; 5 when zero.
	MaxDeliveries int64
	// QueuedHold is how long a queued object version is not queued again
	// by another event or scan; an hour when zero.
	QueuedHold time.Duration
	// ShutdownGrace is how long in-flight messages may take to finish once
	// the worker is told to stop; 20 s when zero. What does not finish
	// stays pending and is claimed by another worker.
	ShutdownGrace time.Duration
	// StatsEvery is the period of the queue gauges; 5 s when zero.
	StatsEvery time.Duration
	// Adapt turns a call's objects into a transcript: a v1 transcript or
	// a vendor ASR result with the CDRs and metadata paired with it by
	// name (adapt.PairKey). Its Config holds the defaults for what the
	// files do not say (unit, agent, team, direction, layout, agent
	// channel), as `callqa score --unit …` does. A zero Loader when nil.
	Adapt *adapt.Loader
	// SidecarWait is how long a transcript that lacks what only a sidecar
	// can give (a unit, an agent or a start that no metadata, CDR or
	// default names) waits for that sidecar before it is dead-lettered;
	// ten minutes when zero. The wait starts when the transcript is first
	// found incomplete.
	SidecarWait time.Duration
	// Logger receives the worker's logs; slog.Default() when nil.
	Logger *slog.Logger
}

func (c Config) withDefaults() (Config, error) {
	if c.Bucket == "" {
		return c, errors.New("worker: no bucket")
	}
	if c.Workers < 0 {
		return c, fmt.Errorf("worker: %d workers", c.Workers)
	}
	if c.Workers == 0 {
		c.Workers = defaultWorkers()
	}
	if c.Consumer == "" {
		host, err := os.Hostname()
		if err != nil || host == "" {
			host = "worker"
		}
		c.Consumer = host + "-" + strconv.Itoa(os.Getpid())
	}
	setDur := func(d *time.Duration, def time.Duration) {
		if *d == 0 {
			*d = def
		}
	}
	setDur(&c.ClaimAfter, time.Minute)
	setDur(&c.ScanEvery, 10*time.Minute)
	setDur(&c.QueuedHold, time.Hour)
	setDur(&c.ShutdownGrace, 20*time.Second)
	setDur(&c.StatsEvery, 5*time.Second)
	setDur(&c.SidecarWait, 10*time.Minute)
	if c.SidecarWait < 0 {
		return c, fmt.Errorf("worker: sidecar wait %v", c.SidecarWait)
	}
	if c.MaxDeliveries <= 0 {
		c.MaxDeliveries = 5
	}
	if c.Adapt == nil {
		c.Adapt = &adapt.Loader{}
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c, nil
}
