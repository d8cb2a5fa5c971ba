package testserver

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
)

var validBucket = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$`)

func TestUniqueBucket(t *testing.T) {
	client := SharedMinIO(t).Client(t)
	names := []string{
		"simple",
		"Mixed_Case with spaces",
		"中文名称 only",
		"___--..",
		strings.Repeat("long", 40),
	}
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			a, b := UniqueBucket(t), UniqueBucket(t)
			for _, got := range []string{a, b} {
				if !validBucket.MatchString(got) || strings.Contains(got, "--") {
					t.Errorf("UniqueBucket = %q, not a valid bucket name", got)
				}
			}
			if a == b {
				t.Errorf("two calls both returned %q", a)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if err := client.MakeBucket(ctx, a, minio.MakeBucketOptions{}); err != nil {
				t.Errorf("MinIO rejects bucket %q: %v", a, err)
			}
		})
	}
}

func TestKeyPrefix(t *testing.T) {
	for _, name := range []string{"plain", "with {braces} and spaces", "中文"} {
		t.Run(name, func(t *testing.T) {
			a, b := KeyPrefix(t), KeyPrefix(t)
			if a == b {
				t.Errorf("two calls both returned %q", a)
			}
			if !strings.HasPrefix(a, "test:") || !strings.HasSuffix(a, ":") {
				t.Errorf("KeyPrefix = %q, want test:…:", a)
			}
			if strings.ContainsAny(a, "{} \t\n") {
				t.Errorf("KeyPrefix = %q holds braces or spaces", a)
			}
		})
	}
}

func TestKeyPrefixIsolatesTestsOnSharedRedis(t *testing.T) {
	ctx := context.Background()
	c := SharedRedis(t).Client(t)
	p1, p2 := KeyPrefix(t), KeyPrefix(t)
	if err := c.Set(ctx, p1+"k", "1", time.Minute).Err(); err != nil {
		t.Fatalf("SET: %v", err)
	}
	keys, err := c.Keys(ctx, p2+"*").Result()
	if err != nil {
		t.Fatalf("KEYS: %v", err)
	}
	if len(keys) != 0 {
		t.Errorf("keys under the second prefix %q: %q", p2, keys)
	}
}

func TestSanitize(t *testing.T) {
	lower := func(r rune) bool { return r >= 'a' && r <= 'z' }
	tests := []struct {
		in, want string
	}{
		{"abc", "abc"},
		{"a/b/c", "a-b-c"},
		{"//a  b//", "a-b"},
		{"A中b", "b"},
		{"", ""},
		{"---", ""},
	}
	for _, tc := range tests {
		if got := sanitize(tc.in, lower, '-'); got != tc.want {
			t.Errorf("sanitize(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestFreePortIsBindable(t *testing.T) {
	port, err := freePort()
	if err != nil {
		t.Fatalf("freePort: %v", err)
	}
	if port <= 0 || port > 65535 {
		t.Fatalf("freePort = %d", port)
	}
}
