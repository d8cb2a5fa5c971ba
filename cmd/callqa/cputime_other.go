//go:build !linux

package main

import "time"

// threadCPU is not measured outside Linux: bench-score falls back to wall
// time.
func threadCPU() time.Duration { return 0 }
