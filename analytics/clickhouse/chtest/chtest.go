// Package chtest starts real clickhouse-server processes on loopback for
// tests: one server, or a cluster of several shards, each with its own
// ports and directories in a temporary directory (in RAM when it can:
// memDir), killed by PID when the tests are done (their data is thrown
// away; a clean stop takes five seconds). A test without
// clickhouse-server on the PATH is skipped with a message saying how to
// install it, and fails when CI=true.
//
// A test binary shares its servers: Shared and SharedCluster start them
// once, Main kills them after every test ran, and each test gets a
// database of its own (Database).
package chtest

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// Server is one running clickhouse-server.
type Server struct {
	TCP  string // host:port of the native protocol
	HTTP string // host:port of the HTTP interface
	Dir  string
	cmd  *exec.Cmd
	done chan struct{}
}

// Cluster is a cluster of one-replica shards, named ClusterName in every
// server's remote_servers.
type Cluster struct {
	Name   string
	Shards []*Server
}

// ClusterName is the name of the cluster SharedCluster starts.
const ClusterName = "seloste_test"

var (
	mu      sync.Mutex
	started []*Server
	shared  *Server
	cluster *Cluster
	dbSeq   atomic.Int64
)

// Available skips t (fails it when CI=true) unless clickhouse-server can
// be run.
func Available(t testing.TB) {
	t.Helper()
	if _, err := exec.LookPath("clickhouse-server"); err != nil {
		msg := "clickhouse-server is not installed (Debian: apt-get install clickhouse-server clickhouse-client): " + err.Error()
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
}

// Main runs the tests and then kills the servers they shared. A test
// package using Shared or SharedCluster calls it from TestMain.
func Main(m *testing.M) int {
	code := m.Run()
	mu.Lock()
	servers := started
	started = nil
	mu.Unlock()
	var wg sync.WaitGroup
	for _, s := range servers {
		wg.Go(s.discard)
	}
	wg.Wait()
	return code
}

// Shared returns the test binary's one server, starting it on first use.
func Shared(t testing.TB) *Server {
	t.Helper()
	Available(t)
	mu.Lock()
	defer mu.Unlock()
	if shared == nil {
		s, err := start(nil)
		if err != nil {
			t.Fatal(err)
		}
		shared = s
		started = append(started, s)
	}
	return shared
}

// SharedCluster returns the test binary's cluster of two shards, starting
// it on first use.
func SharedCluster(t testing.TB) *Cluster {
	t.Helper()
	Available(t)
	mu.Lock()
	defer mu.Unlock()
	if cluster == nil {
		c, err := startCluster(2)
		if err != nil {
			t.Fatal(err)
		}
		cluster = c
		started = append(started, c.Shards...)
	}
	return cluster
}

// Start starts a server of t's own, killed when t ends.
func Start(t testing.TB) *Server {
	t.Helper()
	Available(t)
	s, err := start(nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.discard)
	return s
}

// StartIn starts a server of t's own whose data stays in dir (created if
// needed) after it is stopped when t ends: benchmarks keep their data set
// between runs.
func StartIn(t testing.TB, dir string) *Server {
	t.Helper()
	Available(t)
	ps, err := freePorts(1)
	if err != nil {
		t.Fatal(err)
	}
	s, err := startIn(dir, ps[0], nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	return s
}

// StartCluster starts a cluster of two shards of t's own, killed when t
// ends.
func StartCluster(t testing.TB) *Cluster {
	t.Helper()
	Available(t)
	c, err := startCluster(2)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		var wg sync.WaitGroup
		for _, s := range c.Shards {
			wg.Go(s.discard)
		}
		wg.Wait()
	})
	return c
}

// Database returns the name of a new, empty database for t on every server
// (it is created by the engine under test), dropped when t ends.
func Database(t testing.TB, servers ...*Server) string {
	t.Helper()
	name := fmt.Sprintf("seloste_test_%d_%d", os.Getpid(), dbSeq.Add(1))
	t.Cleanup(func() {
		for _, s := range servers {
			if err := s.Query("DROP DATABASE IF EXISTS " + name); err != nil {
				t.Logf("drop database %s: %v", name, err)
			}
		}
	})
	return name
}

// DSN is the seloste -db value of database db on s.
func (s *Server) DSN(db string) string { return "clickhouse://" + s.TCP + "/" + db }

// DSN is the seloste -db value of database db on the cluster, through its
// first shard.
func (c *Cluster) DSN(db string) string { return c.Shards[0].DSN(db) + "?cluster=" + c.Name }

// Query runs one statement through the HTTP interface and fails unless
// the server accepts it.
func (s *Server) Query(query string) error {
	resp, err := http.Post("http://"+s.HTTP+"/", "text/plain", strings.NewReader(query))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var body bytes.Buffer
	body.ReadFrom(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s", resp.Status, strings.TrimSpace(body.String()))
	}
	return nil
}

// Count returns the number of rows of table.
func (s *Server) Count(table string) (int, error) { return s.Int("SELECT count() FROM " + table) }

// Int runs a query whose answer is one integer.
func (s *Server) Int(query string) (int, error) {
	resp, err := http.Post("http://"+s.HTTP+"/", "text/plain", strings.NewReader(query))
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	var body bytes.Buffer
	body.ReadFrom(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("%s: %s", resp.Status, strings.TrimSpace(body.String()))
	}
	return strconv.Atoi(strings.TrimSpace(body.String()))
}

// PID is the server's process id (for loadgen.ProcessCPU).
func (s *Server) PID() int { return s.cmd.Process.Pid }

// Stop stops the server with SIGTERM (SIGKILL after 20 s) and waits.
func (s *Server) Stop() {
	if s.cmd.Process == nil {
		return
	}
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(20 * time.Second):
		s.cmd.Process.Kill()
		<-s.done
	}
}

// discard kills a server whose data is thrown away, and removes its
// directories: a clean stop would take 5 s to keep what nobody reads.
func (s *Server) discard() {
	if s.cmd.Process != nil {
		s.cmd.Process.Kill()
		<-s.done
	}
	os.RemoveAll(filepath.Dir(s.Dir))
}

type ports struct{ tcp, http, inter int }

// freePorts finds n×3 loopback ports that are free now.
func freePorts(n int) ([]ports, error) {
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	next := func() (int, error) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return 0, err
		}
		ls = append(ls, l)
		return l.Addr().(*net.TCPAddr).Port, nil
	}
	out := make([]ports, n)
	for i := range out {
		for _, p := range []*int{&out[i].tcp, &out[i].http, &out[i].inter} {
			var err error
			if *p, err = next(); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

func startCluster(n int) (*Cluster, error) {
	ps, err := freePorts(n)
	if err != nil {
		return nil, err
	}
	c := &Cluster{Name: ClusterName}
	for i := range ps {
		s, err := startOn(ps[i], ps)
		if err != nil {
			for _, s := range c.Shards {
				s.Stop()
			}
			return nil, err
		}
		c.Shards = append(c.Shards, s)
	}
	return c, nil
}

func start(cluster []ports) (*Server, error) {
	ps, err := freePorts(1)
	if err != nil {
		return nil, err
	}
	return startOn(ps[0], cluster)
}

// startOn starts a server on p; cluster, if any, are the ports of every
// shard of ClusterName.
func startOn(p ports, cluster []ports) (*Server, error) {
	root, err := os.MkdirTemp(memDir(), "seloste-clickhouse-")
	if err != nil {
		root, err = os.MkdirTemp("", "seloste-clickhouse-") // e.g. not writable
	}
	if err != nil {
		return nil, err
	}
	return startIn(filepath.Join(root, "server"), p, cluster)
}

func startIn(dir string, p ports, cluster []ports) (*Server, error) {
	for _, d := range []string{"data", "tmp", "format_schemas"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			return nil, err
		}
	}
	var shards strings.Builder
	for _, c := range cluster {
		fmt.Fprintf(&shards, "<shard><replica><host>127.0.0.1</host><port>%d</port></replica></shard>", c.tcp)
	}
	config := fmt.Sprintf(configXML, dir, dir, p.tcp, p.http, p.inter, dir, dir, dir, filepath.Join(dir, "users.xml"), ClusterName, shards.String(), ClusterName)
	if err := os.WriteFile(filepath.Join(dir, "config.xml"), []byte(config), 0o644); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "users.xml"), []byte(usersXML), 0o644); err != nil {
		return nil, err
	}
	log, err := os.Create(filepath.Join(dir, "server.log"))
	if err != nil {
		return nil, err
	}
	defer log.Close()
	cmd := exec.Command("clickhouse-server", "--config-file="+filepath.Join(dir, "config.xml"))
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = log, log
	setParentDeath(cmd)
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start clickhouse-server: %w", err)
	}
	s := &Server{TCP: fmt.Sprintf("127.0.0.1:%d", p.tcp), HTTP: fmt.Sprintf("127.0.0.1:%d", p.http), Dir: dir, cmd: cmd, done: make(chan struct{})}
	go func() { cmd.Wait(); close(s.done) }()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+s.HTTP+"/ping", nil)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			var body bytes.Buffer
			body.ReadFrom(resp.Body)
			resp.Body.Close()
			if strings.TrimSpace(body.String()) == "Ok." {
				return s, nil
			}
		}
		select {
		case <-s.done:
			out, _ := os.ReadFile(filepath.Join(dir, "server.log"))
			return nil, fmt.Errorf("clickhouse-server exited at start: %s", lastLines(string(out), 10))
		case <-ctx.Done():
			s.Stop()
			return nil, fmt.Errorf("clickhouse-server on %s did not answer /ping within 30 s", s.HTTP)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// configXML is a server on loopback only, with small caches and logs in
// its directory, compressing with zstd as the README advises (18.16 takes
// no per-column CODEC; on the benchmark's data a page view's raw records
// take 30 B instead of 46).
const configXML = `<yandex>
  <logger><level>warning</level><log>%s/server.log.txt</log><errorlog>%s/server.err.txt</errorlog><size>10M</size><count>1</count></logger>
  <listen_host>127.0.0.1</listen_host>
  <tcp_port>%d</tcp_port>
  <http_port>%d</http_port>
  <interserver_http_port>%d</interserver_http_port>
  <interserver_http_host>127.0.0.1</interserver_http_host>
  <path>%s/data/</path>
  <tmp_path>%s/tmp/</tmp_path>
  <format_schema_path>%s/format_schemas/</format_schema_path>
  <users_config>%s</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <timezone>UTC</timezone>
  <mark_cache_size>67108864</mark_cache_size>
  <uncompressed_cache_size>0</uncompressed_cache_size>
  <max_concurrent_queries>50</max_concurrent_queries>
  <compression><case><method>zstd</method></case></compression>
  <remote_servers><%s>%s</%s></remote_servers>
</yandex>
`

const usersXML = `<yandex>
  <profiles><default><max_memory_usage>8000000000</max_memory_usage></default></profiles>
  <users><default><password></password><networks><ip>127.0.0.1</ip></networks><profile>default</profile><quota>default</quota></default></users>
  <quotas><default></default></quotas>
</yandex>
`
