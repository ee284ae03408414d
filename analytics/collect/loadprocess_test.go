package collect

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/seloste/seloste/analytics/collect/loadgen"
)

// benchConns is the ingest benchmarks' number of keep-alive connections.
const benchConns = 16

// benchRequests is the ingest benchmarks' traffic for mode: page views of
// 500 paths from 256 client addresses (every one another address for
// distinctVisitors), and for withEvents one custom event after every 4
// page views; two says that the connections alternate between two
// collectors, each with its own visitors. Each connection's state is its
// own, so the function needs no lock (loadgen.Config.Request).
func benchRequests(mode int, two bool) func(conn int, i int64) loadgen.Request {
	lastXFF := make([]string, benchConns) // withEvents: each connection's latest visitor
	return func(w int, i int64) loadgen.Request {
		body := fmt.Sprintf(`{"kind":"pageview","site":"example.fi","url":"https://example.fi/p/%d?utm_source=bench","referrer":"https://duckduckgo.com/","pageview":"b%d"}`, i%500, i)
		xff := fmt.Sprintf("81.%d.1.1", i%256)
		if two {
			// Each collector's own visitors.
			xff = fmt.Sprintf("81.%d.1.1", (i%128)*2+int64(w%2))
		}
		if mode == distinctVisitors {
			xff = fmt.Sprintf("%d.%d.%d.%d", 11+i>>24%200, i>>16&255, i>>8&255, i&255)
		}
		if mode == withEvents && i%5 == 0 && lastXFF[w] != "" {
			body = fmt.Sprintf(`{"kind":"event","site":"example.fi","url":"https://example.fi/p/1","name":"Yhteydenotto","props":{"lomake":"tarjous"},"pageview":"b%d"}`, i-1)
			xff = lastXFF[w]
		} else {
			lastXFF[w] = xff
		}
		return loadgen.Request{Body: body, ForwardedFor: xff, UserAgent: []string{chromeUA, firefoxUA}[w%2]}
	}
}

// loadEnv names the environment variable that turns TestLoadgenProcess
// into a load generator: its value is a loadJob in JSON.
const loadEnv = "SELOSTE_BENCH_LOADGEN"

// loadJob is what runLoadProcess asks of the process it starts.
type loadJob struct {
	Addrs  []string `json:"addrs"`
	Conns  int      `json:"conns"`
	Window int      `json:"window"`
	N      int64    `json:"n"`
	Mode   int      `json:"mode"`
}

// loadResult is what the load process answers, as one line of JSON after
// loadResultPrefix on its standard output.
type loadResult struct {
	Accepted int64         `json:"accepted"`
	Refused  int64         `json:"refused"`
	P99      time.Duration `json:"p99"`
	Elapsed  time.Duration `json:"elapsed"` // from the first request sent to the last answer
	CPU      time.Duration `json:"cpu"`     // the load process's CPU time, start included
	Err      string        `json:"err,omitempty"`
}

const loadResultPrefix = "loadgen-result "

// runLoadProcess runs the load cfg in another process, this test binary
// again as TestLoadgenProcess, so that the load generator's CPU and Go
// runtime are not the measured server's (as with wrk): a load generator
// in the server's process shares its scheduler and garbage collector, and
// flatters a heavier server.
func runLoadProcess(cfg loadgen.Config, mode int) (loadResult, error) {
	job, err := json.Marshal(loadJob{Addrs: cfg.Addrs, Conns: cfg.Conns, Window: cfg.Window, N: cfg.N, Mode: mode})
	if err != nil {
		return loadResult{}, err
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestLoadgenProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), loadEnv+"="+string(job))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return loadResult{}, fmt.Errorf("load process: %w\n%s%s", err, out, stderr.Bytes())
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		if line, ok := strings.CutPrefix(sc.Text(), loadResultPrefix); ok {
			var r loadResult
			if err := json.Unmarshal([]byte(line), &r); err != nil {
				return loadResult{}, fmt.Errorf("load process: its result %q: %w", line, err)
			}
			if r.Err != "" {
				return r, fmt.Errorf("load process: %s", r.Err)
			}
			return r, nil
		}
	}
	return loadResult{}, fmt.Errorf("load process: no result in its output:\n%s%s", out, stderr.Bytes())
}

// TestLoadgenProcess is the load process of runLoadProcess; it is skipped
// unless SELOSTE_BENCH_LOADGEN holds a job.
func TestLoadgenProcess(t *testing.T) {
	env := os.Getenv(loadEnv)
	if env == "" {
		t.Skip("the ingest benchmarks' load process; runs only when " + loadEnv + " names a job")
	}
	var job loadJob
	if err := json.Unmarshal([]byte(env), &job); err != nil {
		t.Fatalf("%s: %v", loadEnv, err)
	}
	start := time.Now()
	res, err := loadgen.Run(loadgen.Config{Addrs: job.Addrs, Conns: job.Conns, Window: job.Window, N: job.N,
		Request: benchRequests(job.Mode, len(job.Addrs) > 1)})
	r := loadResult{Accepted: res.Accepted, Refused: res.Refused, P99: res.Latency.Quantile(0.99),
		Elapsed: time.Since(start), CPU: processCPU()}
	if err != nil {
		r.Err = err.Error()
	}
	line, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Printf("%s%s\n", loadResultPrefix, line)
}
