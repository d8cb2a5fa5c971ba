package testserver

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

func TestRedisStopStartKeepsAddressAndData(t *testing.T) {
	tests := []struct {
		name     string
		opts     []RedisOption
		survives bool
	}{
		{name: "no persistence loses data", survives: false},
		{name: "AOF keeps data", opts: []RedisOption{WithAOF()}, survives: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			srv := Redis(t, tc.opts...)
			addr := srv.Addr()
			c := srv.Client(t)
			if err := c.Set(ctx, "k", "v", 0).Err(); err != nil {
				t.Fatalf("SET: %v", err)
			}
			if err := c.RPush(ctx, "list", "a", "b").Err(); err != nil {
				t.Fatalf("RPUSH: %v", err)
			}

			srv.Stop()
			if conn, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
				conn.Close()
				t.Fatalf("%s still accepts connections after Stop", addr)
			}

			srv.Start()
			if srv.Addr() != addr {
				t.Errorf("address after Start = %s, want %s", srv.Addr(), addr)
			}
			got, err := c.Get(ctx, "k").Result()
			switch {
			case tc.survives && err != nil:
				t.Errorf("GET after restart: %v, want v", err)
			case tc.survives && got != "v":
				t.Errorf("GET after restart = %q, want v", got)
			case !tc.survives && !errors.Is(err, redis.Nil):
				t.Errorf("GET after restart = %q, %v; want no key", got, err)
			}
			n, err := c.LLen(ctx, "list").Result()
			if err != nil {
				t.Fatalf("LLEN after restart: %v", err)
			}
			if want := map[bool]int64{true: 2, false: 0}[tc.survives]; n != want {
				t.Errorf("LLEN after restart = %d, want %d", n, want)
			}
		})
	}
}

func TestRedisURLAndAddr(t *testing.T) {
	srv := Redis(t)
	host, _, err := net.SplitHostPort(srv.Addr())
	if err != nil {
		t.Fatalf("Addr %q: %v", srv.Addr(), err)
	}
	if host != "127.0.0.1" {
		t.Errorf("host = %s, want 127.0.0.1", host)
	}
	if want := "redis://" + srv.Addr() + "/0"; srv.URL() != want {
		t.Errorf("URL = %s, want %s", srv.URL(), want)
	}
	opts, err := redis.ParseURL(srv.URL())
	if err != nil {
		t.Fatalf("ParseURL(%s): %v", srv.URL(), err)
	}
	c := redis.NewClient(opts)
	defer c.Close()
	if err := c.Ping(context.Background()).Err(); err != nil {
		t.Errorf("PING via URL: %v", err)
	}
}

func TestRedisStartWhileRunningFails(t *testing.T) {
	srv := Redis(t)
	rec := &recordingTB{TB: t}
	run(rec, func() { (&RedisServer{t: rec, opts: srv.opts, inst: srv.inst}).Start() })
	if len(rec.fatals) != 1 {
		t.Fatalf("Start on a running server: fatals %q, want one", rec.fatals)
	}
}

func TestRedisServersAreIndependent(t *testing.T) {
	ctx := context.Background()
	a, b := Redis(t), Redis(t)
	if a.Addr() == b.Addr() {
		t.Fatalf("two servers share %s", a.Addr())
	}
	if err := a.Client(t).Set(ctx, "only-in-a", "1", 0).Err(); err != nil {
		t.Fatalf("SET: %v", err)
	}
	n, err := b.Client(t).Exists(ctx, "only-in-a").Result()
	if err != nil {
		t.Fatalf("EXISTS: %v", err)
	}
	if n != 0 {
		t.Errorf("key written to %s is visible on %s", a.Addr(), b.Addr())
	}
}
