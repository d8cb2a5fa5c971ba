package testserver

import (
	"bufio"
	"io"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

func TestServersDieWithTheTestBinary(t *testing.T) {
	if _, err := redisServerBinary(); err != nil {
		t.Fatalf("testserver: %v", err)
	}
	helper := exec.Command(os.Args[0], "-test.run=^$")
	helper.Env = append(os.Environ(), helperEnv+"="+t.TempDir())
	helper.Stderr = os.Stderr
	out, err := helper.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := helper.Start(); err != nil {
		t.Fatalf("start helper: %v", err)
	}
	t.Cleanup(func() {
		_ = helper.Process.Kill()
		_ = helper.Wait()
	})
	addr, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("helper printed no address: %v", err)
	}
	addr = strings.TrimSpace(addr)
	if err := probeRedis(addr, 0); err != nil {
		t.Fatalf("helper's redis-server at %s: %v", addr, err)
	}

	if err := helper.Process.Kill(); err != nil { // SIGKILL: no cleanup runs
		t.Fatal(err)
	}
	_ = helper.Wait()
	deadline := time.Now().Add(20 * time.Second)
	for {
		conn, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			return // the server is gone
		}
		conn.Close()
		if time.Now().After(deadline) {
			shutdownRedis(addr)
			t.Fatalf("redis-server at %s outlived the killed test binary", addr)
		}
		time.Sleep(pollInterval)
	}
}

// shutdownRedis asks the Redis at addr to exit, so that a failing test leaves
// no server behind.
func shutdownRedis(addr string) {
	conn, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return
	}
	defer conn.Close()
	_, _ = io.WriteString(conn, "SHUTDOWN NOSAVE\r\n")
}
