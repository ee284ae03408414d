// Package loadgen is the ingest benchmarks' load generator: keep-alive
// connections, each writing windows of pipelined HTTP/1.1 beacon requests
// before it reads their answers, as wrk does, so that the client's CPU
// does not hide the server's. It is used by the benchmarks of
// analytics/collect (a collector in the benchmark's process) and
// cmd/seloste (seloste serve processes).
package loadgen

import (
	"bufio"
	"bytes"
	"fmt"
	"math"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Request is one beacon: its JSON body, and the headers that make its
// visitor.
type Request struct {
	Body         string
	ForwardedFor string // X-Forwarded-For
	UserAgent    string
}

// Config is a load.
type Config struct {
	// Addrs are the collectors' host:port; connection c sends to
	// Addrs[c%len(Addrs)].
	Addrs []string
	// Conns is the number of connections (16 if 0), Window the requests
	// each writes before it reads their answers (32 if 0).
	Conns, Window int
	// N is the number of requests in all.
	N int64
	// Request makes request i (1 to N) of connection conn. It is called
	// on conn's goroutine only, so state per connection needs no lock.
	Request func(conn int, i int64) Request
}

// Result is what the collectors answered.
type Result struct {
	Accepted int64 // 202
	Refused  int64 // 503: the queue was full
	Latency  Histogram
}

// Run sends the load and waits for every answer. An answer other than 202
// or 503, or a broken connection, is an error.
func Run(cfg Config) (Result, error) {
	if len(cfg.Addrs) == 0 || cfg.Request == nil {
		return Result{}, fmt.Errorf("loadgen: no address or no requests")
	}
	conns, window := cfg.Conns, cfg.Window
	if conns <= 0 {
		conns = 16
	}
	if window <= 0 {
		window = 32
	}
	var (
		accepted, refused, next atomic.Int64
		errOnce                 sync.Once
		firstErr                error
	)
	fail := func(err error) { errOnce.Do(func() { firstErr = err }) }
	// A histogram per connection: a slice of every latency would itself
	// be the biggest thing in memory.
	latencies := make([]Histogram, conns)
	var wg sync.WaitGroup
	for c := range conns {
		wg.Go(func() {
			conn, err := net.Dial("tcp", cfg.Addrs[c%len(cfg.Addrs)])
			if err != nil {
				fail(err)
				return
			}
			defer conn.Close()
			br := bufio.NewReader(conn)
			var buf []byte
			for {
				buf = buf[:0]
				sent := 0
				for ; sent < window; sent++ {
					i := next.Add(1)
					if i > cfg.N {
						break
					}
					buf = appendRequest(buf, cfg.Request(c, i))
				}
				if sent == 0 {
					return
				}
				sentAt := time.Now()
				if _, err := conn.Write(buf); err != nil {
					fail(err)
					return
				}
				for range sent {
					status, err := readAnswer(br)
					if err != nil {
						fail(err)
						return
					}
					latencies[c].Add(time.Since(sentAt))
					switch status {
					case http.StatusAccepted:
						accepted.Add(1)
					case http.StatusServiceUnavailable:
						refused.Add(1)
					default:
						fail(fmt.Errorf("loadgen: answer %d", status))
						return
					}
				}
			}
		})
	}
	wg.Wait()
	res := Result{Accepted: accepted.Load(), Refused: refused.Load()}
	for _, h := range latencies {
		res.Latency.Merge(h)
	}
	return res, firstErr
}

// appendRequest appends r as an HTTP/1.1 request to buf.
func appendRequest(buf []byte, r Request) []byte {
	buf = append(buf, "POST /api/event HTTP/1.1\r\nHost: loadgen\r\nContent-Type: text/plain;charset=UTF-8\r\nUser-Agent: "...)
	buf = append(buf, r.UserAgent...)
	buf = append(buf, "\r\nX-Forwarded-For: "...)
	buf = append(buf, r.ForwardedFor...)
	buf = append(buf, "\r\nContent-Length: "...)
	buf = strconv.AppendInt(buf, int64(len(r.Body)), 10)
	buf = append(buf, "\r\n\r\n"...)
	return append(buf, r.Body...)
}

// readAnswer reads one answer from br and returns its status code. It
// reads only what a load generator needs (the status line, the
// Content-Length, and skips the body), as wrk does, since
// http.ReadResponse costs the load generator more CPU than the server
// spends on a beacon, and takes that CPU from the server measured.
func readAnswer(br *bufio.Reader) (int, error) {
	line, err := br.ReadSlice('\n')
	if err != nil {
		return 0, fmt.Errorf("loadgen: reading an answer: %w", err)
	}
	// "HTTP/1.1 202 Accepted\r\n"
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) || line[8] != ' ' {
		return 0, fmt.Errorf("loadgen: not an HTTP/1 status line: %q", line)
	}
	status, err := strconv.Atoi(string(line[9:12]))
	if err != nil {
		return 0, fmt.Errorf("loadgen: status line %q: %w", line, err)
	}
	length := int64(0)
	for {
		line, err := br.ReadSlice('\n')
		if err != nil {
			return 0, fmt.Errorf("loadgen: reading an answer's headers: %w", err)
		}
		line = bytes.TrimRight(line, "\r\n")
		if len(line) == 0 {
			break
		}
		name, value, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			return 0, fmt.Errorf("loadgen: header line %q", line)
		}
		switch {
		case bytes.EqualFold(name, []byte("Content-Length")):
			if length, err = strconv.ParseInt(string(bytes.TrimSpace(value)), 10, 64); err != nil || length < 0 {
				return 0, fmt.Errorf("loadgen: Content-Length %q", value)
			}
		case bytes.EqualFold(name, []byte("Transfer-Encoding")):
			return 0, fmt.Errorf("loadgen: answer with Transfer-Encoding %q; want a Content-Length", value)
		}
	}
	if _, err := br.Discard(int(length)); err != nil {
		return 0, fmt.Errorf("loadgen: reading an answer's body: %w", err)
	}
	return status, nil
}

// Histogram counts durations in buckets 2 % wide (from 1 µs), which is as
// exact as a p99 of a loaded machine is steady.
type Histogram [1024]int64

// Add counts d.
func (h *Histogram) Add(d time.Duration) {
	us := max(float64(d.Microseconds()), 1)
	h[min(int(math.Log(us)/math.Log(1.02)), len(h)-1)]++
}

// Merge adds o's counts to h's.
func (h *Histogram) Merge(o Histogram) {
	for i, n := range o {
		h[i] += n
	}
}

// Quantile is the upper bound of the bucket that holds quantile q.
func (h *Histogram) Quantile(q float64) time.Duration {
	var total int64
	for _, n := range h {
		total += n
	}
	seen := int64(0)
	for i, n := range h {
		if seen += n; total > 0 && float64(seen) >= q*float64(total) {
			return time.Duration(math.Pow(1.02, float64(i+1))) * time.Microsecond
		}
	}
	return 0
}

// ProcessCPU is the user and system CPU time process pid has used so far
// (Linux; 0 when it can't be read): what a collector or a database server
// of a benchmark spends, apart from the load generator's own.
func ProcessCPU(pid int) time.Duration {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// The fields after the command's name, which is in parentheses.
	end := bytes.LastIndexByte(data, ')')
	if end < 0 {
		return 0
	}
	f := strings.Fields(string(data[end+1:]))
	if len(f) < 13 {
		return 0
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0
	}
	const clockTicks = 100 // USER_HZ on every Linux platform Go supports
	return time.Duration(utime+stime) * time.Second / clockTicks
}
