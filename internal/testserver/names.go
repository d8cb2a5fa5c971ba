package testserver

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"strconv"
	"strings"
	"testing"
)

// maxBucketName is the longest bucket name S3 allows.
const maxBucketName = 63

// UniqueBucket returns a valid bucket name that no other test uses: the test
// name, lower-cased and cut to fit, and a random suffix. It does not create
// the bucket; (*MinIOServer).Bucket does.
func UniqueBucket(t testing.TB) string {
	t.Helper()
	suffix := randomHex(t, 4)
	stem := sanitize(strings.ToLower(t.Name()), func(r rune) bool {
		return r >= 'a' && r <= 'z' || r >= '0' && r <= '9'
	}, '-')
	maxStem := maxBucketName - len("t-") - len("-") - len(suffix)
	if len(stem) > maxStem {
		stem = strings.Trim(stem[:maxStem], "-")
	}
	if stem == "" {
		return "t-" + suffix
	}
	return "t-" + stem + "-" + suffix
}

// KeyPrefix returns a Redis key prefix that no other test uses, such as
// "test:TestQueue_claim:5f2c9a0e:". It holds no braces, so keys built after
// it keep their own {hash tags}.
func KeyPrefix(t testing.TB) string {
	t.Helper()
	stem := sanitize(t.Name(), func(r rune) bool {
		return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-'
	}, '_')
	return "test:" + stem + ":" + randomHex(t, 4) + ":"
}

// sanitize replaces every run of runes that keep rejects with one sep and
// trims sep from both ends.
func sanitize(s string, keep func(rune) bool, sep rune) string {
	var b strings.Builder
	pending := false
	for _, r := range s {
		if !keep(r) {
			pending = true
			continue
		}
		if pending && b.Len() > 0 {
			b.WriteRune(sep)
		}
		pending = false
		b.WriteRune(r)
	}
	return b.String()
}

// randomHex returns 2n random hex digits, failing t if there are none.
func randomHex(t testing.TB, n int) string {
	t.Helper()
	s, err := randomToken(n)
	if err != nil {
		t.Fatalf("testserver: %v", err)
	}
	return s
}

// randomToken returns 2n random hex digits.
func randomToken(n int) (string, error) {
	buf := make([]byte, n)
	if _, err := rand.Read(buf); err != nil {
		return "", fmt.Errorf("random bytes: %w", err)
	}
	return hex.EncodeToString(buf), nil
}

// freePort returns a loopback TCP port that was free a moment ago. Another
// process may take it before the server binds it; callers retry on a new
// port when the server fails to start.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	_, port, err := net.SplitHostPort(l.Addr().String())
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(port)
}
