package testserver

import (
	"fmt"
	"runtime"
	"sync"
	"testing"
)

// recordingTB is a testing.TB whose Errorf and Fatalf record the message
// instead of failing the real test; Fatalf ends the calling goroutine as the
// real one does. Use it through run.
type recordingTB struct {
	testing.TB
	mu     sync.Mutex
	errors []string
	fatals []string
}

func (r *recordingTB) Helper() {}

func (r *recordingTB) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

func (r *recordingTB) Fatalf(format string, args ...any) {
	r.mu.Lock()
	r.fatals = append(r.fatals, fmt.Sprintf(format, args...))
	r.mu.Unlock()
	runtime.Goexit()
}

func (r *recordingTB) Fatal(args ...any) {
	r.Fatalf("%s", fmt.Sprint(args...))
}

// run calls f on a goroutine of its own, so that rec.Fatalf can end it, and
// waits for it.
func run(rec *recordingTB, f func()) {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		f()
	}()
	wg.Wait()
}
