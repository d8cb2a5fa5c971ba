package testserver

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Readiness limits. A server that is not ready within its timeout is killed
// and reported with its log.
const (
	redisReadyTimeout = 30 * time.Second
	minioReadyTimeout = 90 * time.Second
	pollInterval      = 25 * time.Millisecond
	probeTimeout      = 2 * time.Second
)

// errExited marks a server that exited before it became ready, most often
// because another process took its port first.
var errExited = errors.New("server exited")

// waitReady polls probe until it succeeds, the process exits or timeout
// passes, whichever comes first.
func waitReady(p *process, timeout time.Duration, probe func() error) error {
	deadline := time.Now().Add(timeout)
	for {
		err := probe()
		if err == nil {
			return nil
		}
		if !p.running() {
			return fmt.Errorf("%w (%v) before it was ready; last probe: %v", errExited, p.exitError(), err)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not ready after %s: %w", timeout, err)
		}
		select {
		case <-p.exited:
		case <-time.After(pollInterval):
		}
	}
}

// probeRedis checks that the Redis at addr answers PING with PONG (a Redis
// still loading its AOF answers LOADING) and, when pid is not 0, that it is
// the process with that pid rather than a stranger on the same port.
func probeRedis(addr string, pid int) error {
	conn, err := net.DialTimeout("tcp", addr, probeTimeout)
	if err != nil {
		return err
	}
	defer conn.Close()
	if err := conn.SetDeadline(time.Now().Add(probeTimeout)); err != nil {
		return err
	}
	r := bufio.NewReader(conn)
	if _, err := io.WriteString(conn, "PING\r\n"); err != nil {
		return err
	}
	line, err := r.ReadString('\n')
	if err != nil {
		return fmt.Errorf("read PING reply: %w", err)
	}
	if strings.TrimSpace(line) != "+PONG" {
		return fmt.Errorf("PING answered %q", strings.TrimSpace(line))
	}
	if pid == 0 {
		return nil
	}
	if _, err := io.WriteString(conn, "INFO server\r\n"); err != nil {
		return err
	}
	info, err := readBulk(r)
	if err != nil {
		return fmt.Errorf("read INFO reply: %w", err)
	}
	for _, l := range strings.Split(info, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(l), "process_id:"); ok {
			if v != strconv.Itoa(pid) {
				return fmt.Errorf("port %s is served by process %s, not by the started redis-server %d", addr, v, pid)
			}
			return nil
		}
	}
	return errors.New("INFO server has no process_id")
}

// readBulk reads one RESP bulk string.
func readBulk(r *bufio.Reader) (string, error) {
	head, err := r.ReadString('\n')
	if err != nil {
		return "", err
	}
	head = strings.TrimSpace(head)
	if !strings.HasPrefix(head, "$") {
		return "", fmt.Errorf("want a bulk string, got %q", head)
	}
	n, err := strconv.Atoi(head[1:])
	if err != nil || n < 0 || n > 1<<20 {
		return "", fmt.Errorf("bad bulk length %q", head)
	}
	buf := make([]byte, n+2) // payload and CRLF
	if _, err := io.ReadFull(r, buf); err != nil {
		return "", err
	}
	return string(buf[:n]), nil
}

// probeClient is the HTTP client for MinIO readiness checks.
var probeClient = &http.Client{Timeout: probeTimeout}

// probeMinIO checks that the MinIO at endpoint reports itself ready.
func probeMinIO(endpoint string) error {
	resp, err := probeClient.Get("http://" + endpoint + "/minio/health/ready")
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("/minio/health/ready answered %s", resp.Status)
	}
	return nil
}
