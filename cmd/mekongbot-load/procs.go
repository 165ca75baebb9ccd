package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

// botProc is one `mekongbot serve` child process.
type botProc struct {
	n    int
	addr string // LISTEN_ADDR: health, metrics, pprof and the webhook
	cmd  *exec.Cmd
	log  string // its stderr, in a file
	done chan struct{}
	err  error // set when done is closed
}

const (
	readyTimeout = 30 * time.Second
	stopTimeout  = 20 * time.Second
)

// buildBot builds cmd/mekongbot into dir and returns the binary's path. It
// must run inside the module (the tool is run from the repository).
func buildBot(ctx context.Context, dir string) (string, error) {
	bin := filepath.Join(dir, "mekongbot")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "mekongbot/cmd/mekongbot")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build mekongbot (run from the repository, or give -bin): %w\n%s", err, out)
	}
	return bin, nil
}

// startBot runs bin serve with env, listening on addr.
func startBot(bin, dir string, n int, addr string, env []string) (*botProc, error) {
	p := &botProc{n: n, addr: addr, log: filepath.Join(dir, fmt.Sprintf("bot-%d.log", n)), done: make(chan struct{})}
	logFile, err := os.Create(p.log)
	if err != nil {
		return nil, fmt.Errorf("bot %d log: %w", n, err)
	}
	p.cmd = exec.Command(bin, "serve")
	p.cmd.Env = append(env, "LISTEN_ADDR="+addr)
	p.cmd.Stdout, p.cmd.Stderr = logFile, logFile
	setDeathSignal(p.cmd)
	if err := p.cmd.Start(); err != nil {
		logFile.Close()
		return nil, fmt.Errorf("start bot %d: %w", n, err)
	}
	go func() {
		p.err = p.cmd.Wait()
		logFile.Close()
		close(p.done)
	}()
	return p, nil
}

func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("find a free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// waitReady waits until the bot's /readyz answers 200.
func (p *botProc) waitReady(ctx context.Context) error {
	deadline := time.Now().Add(readyTimeout)
	for time.Now().Before(deadline) {
		select {
		case <-p.done:
			return fmt.Errorf("bot %d exited (%v) before it was ready:\n%s", p.n, p.err, p.logTail())
		case <-ctx.Done():
			return ctx.Err()
		default:
		}
		if resp, err := http.Get("http://" + p.addr + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("bot %d not ready after %v:\n%s", p.n, readyTimeout, p.logTail())
}

// stop sends SIGTERM and waits for the bot to finish what it has in flight.
func (p *botProc) stop() error {
	select {
	case <-p.done:
		return fmt.Errorf("bot %d had exited (%v):\n%s", p.n, p.err, p.logTail())
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
		if p.err != nil {
			return fmt.Errorf("bot %d: %w:\n%s", p.n, p.err, p.logTail())
		}
		return nil
	case <-time.After(stopTimeout):
		_ = p.cmd.Process.Kill()
		<-p.done
		return fmt.Errorf("bot %d did not stop within %v:\n%s", p.n, stopTimeout, p.logTail())
	}
}

func (p *botProc) logTail() string {
	b, err := os.ReadFile(p.log)
	if err != nil {
		return err.Error()
	}
	const keep = 2000
	if len(b) > keep {
		b = b[len(b)-keep:]
	}
	return string(b)
}

// procTimes are a process's CPU time (user + system) and peak resident set.
type procTimes struct {
	cpu     time.Duration
	peakRSS int64 // bytes (VmHWM)
}

// clockTicks is USER_HZ, the unit of /proc/<pid>/stat times: 100 on every
// Linux the bot runs on (reading sysconf would need cgo).
const clockTicks = 100

func (p *botProc) times() (procTimes, error) {
	t, err := processTimes(p.cmd.Process.Pid)
	if err != nil {
		return t, fmt.Errorf("bot %d: %w", p.n, err)
	}
	return t, nil
}

// processTimes reads a process's CPU time and peak RSS from /proc.
func processTimes(pid int) (procTimes, error) {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return procTimes{}, fmt.Errorf("cpu time: %w", err)
	}
	// Fields after the command name (which may hold spaces) start at state,
	// field 3; utime and stime are fields 14 and 15.
	i := bytes.LastIndexByte(stat, ')')
	fields := strings.Fields(string(stat[i+1:]))
	if len(fields) < 13 {
		return procTimes{}, fmt.Errorf("/proc/%d/stat too short", pid)
	}
	utime, err1 := strconv.ParseInt(fields[11], 10, 64)
	stime, err2 := strconv.ParseInt(fields[12], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return procTimes{}, fmt.Errorf("cpu time: %w", err)
	}
	t := procTimes{cpu: time.Duration(utime+stime) * time.Second / clockTicks}
	t.peakRSS, err = statusKB(pid, "VmHWM")
	return t, err
}

func statusKB(pid int, field string) (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, fmt.Errorf("read %s: %w", field, err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb * 1024, err
		}
	}
	return 0, fmt.Errorf("no %s in /proc/%d/status", field, pid)
}

// metrics reads the sums of the named counters from the bot's /metrics.
func (p *botProc) metrics(names ...string) (map[string]float64, error) {
	resp, err := http.Get("http://" + p.addr + "/metrics")
	if err != nil {
		return nil, fmt.Errorf("bot %d metrics: %w", p.n, err)
	}
	defer resp.Body.Close()
	return sumMetrics(resp.Body, names...)
}

// sumMetrics adds up, for each name, the samples of that metric (all label
// sets) in the Prometheus text format.
func sumMetrics(r io.Reader, names ...string) (map[string]float64, error) {
	out := make(map[string]float64, len(names))
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		line := sc.Text()
		for _, name := range names {
			rest, ok := strings.CutPrefix(line, name)
			if !ok || rest == "" || (rest[0] != ' ' && rest[0] != '{') {
				continue
			}
			v, err := strconv.ParseFloat(line[strings.LastIndexByte(line, ' ')+1:], 64)
			if err != nil {
				return nil, fmt.Errorf("metric line %q: %w", line, err)
			}
			out[name] += v
		}
	}
	return out, sc.Err()
}

// profile fetches a CPU profile of the next d from the bot (PPROF=true).
func (p *botProc) profile(d time.Duration, file string) error {
	secs := max(1, int(d.Round(time.Second)/time.Second))
	resp, err := http.Get(fmt.Sprintf("http://%s/debug/pprof/profile?seconds=%d", p.addr, secs))
	if err != nil {
		return fmt.Errorf("bot %d profile: %w", p.n, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		return fmt.Errorf("bot %d profile: %s: %s", p.n, resp.Status, b)
	}
	f, err := os.Create(file)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return fmt.Errorf("bot %d profile: %w", p.n, err)
	}
	return f.Close()
}

// roundRobin is the reverse proxy in front of several webhook processes, as
// a load balancer would be.
type roundRobin struct {
	server *http.Server
	url    string
}

func startRoundRobin(backends []string) (*roundRobin, error) {
	targets := make([]*url.URL, len(backends))
	for i, b := range backends {
		targets[i] = &url.URL{Scheme: "http", Host: b}
	}
	var next atomic.Uint64
	proxy := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(targets[(next.Add(1)-1)%uint64(len(targets))])
		},
		Transport: &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 2 * maxConnections, IdleConnTimeout: time.Minute},
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("round-robin proxy: %w", err)
	}
	rr := &roundRobin{server: &http.Server{Handler: proxy, ReadHeaderTimeout: 5 * time.Second}, url: "http://" + ln.Addr().String()}
	go func() { _ = rr.server.Serve(ln) }()
	return rr, nil
}

func (rr *roundRobin) Close() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_ = rr.server.Shutdown(ctx)
}
