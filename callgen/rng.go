package callgen

import (
	"math"
	"math/bits"
	"math/rand/v2"
)

// rng is the random source of one call. It is a PCG stream seeded from the
// generator's seed and the call's index alone, so call i comes out the same
// whichever calls were made before it and on whichever goroutine.
type rng struct {
	pcg rand.PCG
}

// splitmix64 scrambles x into a well-mixed 64-bit value (Steele, Lea and
// Flood's SplitMix64 finalizer).
func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// seed readies r for the stream (seed, salt, i). Distinct salts give
// independent streams for different purposes (calls, agents, customers).
func (r *rng) seed(seed, salt, i uint64) {
	a := splitmix64(seed ^ splitmix64(salt))
	b := splitmix64(a ^ splitmix64(i+0x632be59bd9b4e019))
	r.pcg.Seed(a, b)
}

// u64 returns 64 random bits.
func (r *rng) u64() uint64 { return r.pcg.Uint64() }

// intn returns a uniform integer in [0, n); n must be positive.
func (r *rng) intn(n int) int {
	if n <= 1 {
		return 0
	}
	// Lemire's multiply-and-reject: unbiased and usually one draw.
	un := uint64(n)
	hi, lo := bits.Mul64(r.u64(), un)
	if lo < un {
		thresh := -un % un
		for lo < thresh {
			hi, lo = bits.Mul64(r.u64(), un)
		}
	}
	return int(hi)
}

// between returns a uniform integer in [lo, hi].
func (r *rng) between(lo, hi int) int {
	if hi <= lo {
		return lo
	}
	return lo + r.intn(hi-lo+1)
}

// between64 returns a uniform int64 in [lo, hi].
func (r *rng) between64(lo, hi int64) int64 {
	return int64(r.between(int(lo), int(hi)))
}

// float returns a uniform float64 in [0, 1).
func (r *rng) float() float64 {
	return float64(r.u64()>>11) / (1 << 53)
}

// uniform returns a uniform float64 in [lo, hi).
func (r *rng) uniform(lo, hi float64) float64 {
	return lo + (hi-lo)*r.float()
}

// chance reports true with probability p.
func (r *rng) chance(p float64) bool {
	if p <= 0 {
		return false
	}
	return r.float() < p
}

// normal returns a standard normal deviate (Box-Muller, one of the pair).
func (r *rng) normal() float64 {
	u1 := 1 - r.float() // (0, 1]: the logarithm stays finite
	u2 := r.float()
	return math.Sqrt(-2*math.Log(u1)) * math.Cos(2*math.Pi*u2)
}

// pick returns a uniformly chosen element of s; s must not be empty.
func pick[T any](r *rng, s []T) T {
	return s[r.intn(len(s))]
}

// weighted returns an index drawn with probability proportional to w.
func (r *rng) weighted(w []float64) int {
	var sum float64
	for _, x := range w {
		sum += x
	}
	x := r.float() * sum
	for i, v := range w {
		if x < v {
			return i
		}
		x -= v
	}
	return len(w) - 1
}
