package redistest

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"
)

const (
	startTimeout = 5 * time.Second
	portAttempts = 3
)

// Server is a private redis-server child process without persistence, on
// 127.0.0.1 and a port of its own. Stop it to simulate Redis going away and
// Start it again on the same Addr (empty, as after a crash). It is killed at
// the end of the test that started it.
type Server struct {
	Addr string

	args []string
	log  string

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{} // closed when cmd has exited
}

// StartServer starts a redis-server child for the test, failing the test if
// redis-server is not installed or does not start. extraArgs are appended to
// its command line (for example "--cluster-enabled", "yes").
func StartServer(t testing.TB, extraArgs ...string) *Server {
	t.Helper()
	srv, err := startServer(t, extraArgs...)
	if err != nil {
		t.Fatalf("redistest: %v", err)
	}
	return srv
}

// startServer tries a few free ports: another process may take the port
// between choosing it and redis-server binding it.
func startServer(t testing.TB, extraArgs ...string) (*Server, error) {
	if _, err := exec.LookPath("redis-server"); err != nil {
		return nil, err
	}
	var err error
	for range portAttempts {
		var srv *Server
		if srv, err = newServer(t.TempDir(), extraArgs); err != nil {
			return nil, err
		}
		if err = srv.start(); err == nil {
			t.Cleanup(srv.Stop)
			return srv, nil
		}
	}
	return nil, err
}

func newServer(dir string, extraArgs []string) (*Server, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	args := []string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--daemonize", "no",
		"--dir", dir, "--logfile", filepath.Join(dir, "redis.log")}
	return &Server{Addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)),
		args: append(args, extraArgs...), log: filepath.Join(dir, "redis.log")}, nil
}

// Start restarts a stopped server on its Addr and waits until it accepts
// connections; it does nothing if the server runs.
func (s *Server) Start() error {
	if err := s.start(); err != nil {
		return fmt.Errorf("redistest: %w", err)
	}
	return nil
}

// Stop kills the server (SIGKILL, like a crash) and waits for it to exit.
// Stopping a stopped server does nothing.
func (s *Server) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	<-s.done
	s.cmd = nil
}

func (s *Server) start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd != nil {
		return nil
	}
	cmd := exec.Command("redis-server", s.args...)
	setDeathSignal(cmd)
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start redis-server: %w", err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	if err := s.waitReady(done); err != nil {
		_ = cmd.Process.Kill()
		<-done
		return err
	}
	s.cmd, s.done = cmd, done
	return nil
}

// waitReady waits until the server accepts connections.
func (s *Server) waitReady(exited <-chan struct{}) error {
	deadline := time.Now().Add(startTimeout)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return fmt.Errorf("redis-server on %s exited: %s", s.Addr, s.logTail())
		default:
		}
		if conn, err := net.DialTimeout("tcp", s.Addr, 100*time.Millisecond); err == nil {
			return conn.Close()
		}
		time.Sleep(10 * time.Millisecond)
	}
	return fmt.Errorf("redis-server on %s not ready after %v: %s", s.Addr, startTimeout, s.logTail())
}

// logTail is the end of the server's log, for error messages.
func (s *Server) logTail() string {
	b, err := os.ReadFile(s.log)
	if err != nil {
		return err.Error()
	}
	const keep = 500
	if len(b) > keep {
		b = b[len(b)-keep:]
	}
	return string(b)
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	addr, ok := l.Addr().(*net.TCPAddr)
	if !ok {
		return 0, errors.New("find a free port: not a TCP address")
	}
	return addr.Port, nil
}
