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
//
// With SELOSTE_CLICKHOUSE_DSN set (EnvDSN), Shared and SharedCluster use
// that running server instead, of any release, and start none: the
// shared suite runs unchanged against it. Start, StartIn and
// StartCluster still start servers of their own (benchmarks, tests that
// stop their server).
package chtest

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// EnvDSN names the environment variable that points Shared and
// SharedCluster at a running server:
// clickhouse://[USER:PASSWORD@]HOST:9000/[PREFIX][?cluster=NAME]. The
// tests create and drop databases named PREFIX_… on it (seloste_test_…
// without one); cluster=NAME, a cluster of the server's remote_servers,
// is what SharedCluster uses.
const EnvDSN = "SELOSTE_CLICKHOUSE_DSN"

// Server is one running clickhouse-server.
type Server struct {
	TCP     string // host:port of the native protocol
	HTTP    string // host:port of the HTTP interface; "" for an external server
	Dir     string // "" for an external server
	Version string // the server's version(), e.g. 18.16.1
	cmd     *exec.Cmd
	done    chan struct{}

	// An external server (EnvDSN): its user and the prefix of the test
	// databases, and the connection Query and Int use.
	user     *url.Userinfo
	dbPrefix string
	native   driver.Conn
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
	mu        sync.Mutex
	started   []*Server
	externals []*Server
	shared    *Server
	cluster   *Cluster
	dbSeq     atomic.Int64
)

// skipOrFail skips t with msg, or fails it when CI=true.
func skipOrFail(t testing.TB, msg string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// Available skips t (fails it when CI=true) unless clickhouse-server can
// be run.
func Available(t testing.TB) {
	t.Helper()
	if _, err := exec.LookPath("clickhouse-server"); err != nil {
		skipOrFail(t, "clickhouse-server is not installed (Debian: apt-get install clickhouse-server clickhouse-client; or set "+
			EnvDSN+" to a running server): "+err.Error())
	}
}

// Main runs the tests and then kills the servers they shared. A test
// package using Shared or SharedCluster calls it from TestMain.
func Main(m *testing.M) int {
	code := m.Run()
	mu.Lock()
	servers := started
	started = nil
	for _, s := range externals {
		s.native.Close()
	}
	externals = nil
	mu.Unlock()
	var wg sync.WaitGroup
	for _, s := range servers {
		wg.Go(s.discard)
	}
	wg.Wait()
	return code
}

// Shared returns the test binary's one server, starting it on first use;
// the server of EnvDSN when it is set.
func Shared(t testing.TB) *Server {
	t.Helper()
	if dsn := os.Getenv(EnvDSN); dsn != "" {
		mu.Lock()
		defer mu.Unlock()
		if shared == nil {
			s, err := connect(dsn)
			if err != nil {
				t.Fatalf("%s: %v", EnvDSN, err)
			}
			shared = s
		}
		return shared
	}
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
// it on first use; with EnvDSN, the cluster its ?cluster= names.
func SharedCluster(t testing.TB) *Cluster {
	t.Helper()
	if dsn := os.Getenv(EnvDSN); dsn != "" {
		u, err := url.Parse(dsn)
		if err != nil {
			t.Fatalf("%s: %v", EnvDSN, err)
		}
		name := u.Query().Get("cluster")
		if name == "" {
			skipOrFail(t, EnvDSN+" names no cluster: add ?cluster=NAME (a cluster of the server's remote_servers, one replica per shard) to run the cluster tests against it")
		}
		mu.Lock()
		defer mu.Unlock()
		if cluster == nil {
			c, err := connectCluster(dsn, name)
			if err != nil {
				t.Fatalf("%s: %v", EnvDSN, err)
			}
			cluster = c
		}
		return cluster
	}
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
	prefix := "seloste_test"
	if len(servers) > 0 && servers[0].dbPrefix != "" {
		prefix = servers[0].dbPrefix
	}
	name := fmt.Sprintf("%s_%d_%d", prefix, os.Getpid(), dbSeq.Add(1))
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
func (s *Server) DSN(db string) string {
	u := url.URL{Scheme: "clickhouse", User: s.user, Host: s.TCP, Path: "/" + db}
	return u.String()
}

// DSN is the seloste -db value of database db on the cluster, through its
// first shard.
func (c *Cluster) DSN(db string) string { return c.Shards[0].DSN(db) + "?cluster=" + c.Name }

// Query runs one statement through the HTTP interface (the native
// protocol on an external server) and fails unless the server accepts it.
func (s *Server) Query(query string) error {
	if s.native != nil {
		return s.native.Exec(context.Background(), query)
	}
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
	if s.native != nil {
		rows, err := s.native.Query(context.Background(), query)
		if err != nil {
			return 0, err
		}
		defer rows.Close()
		if !rows.Next() {
			return 0, fmt.Errorf("%s: no row", query)
		}
		v := reflect.New(rows.ColumnTypes()[0].ScanType())
		if err := rows.Scan(v.Interface()); err != nil {
			return 0, err
		}
		return strconv.Atoi(fmt.Sprint(v.Elem().Interface()))
	}
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

// PID is the server's process id (for loadgen.ProcessCPU); 0 for an
// external server.
func (s *Server) PID() int {
	if s.cmd == nil {
		return 0
	}
	return s.cmd.Process.Pid
}

// Stop stops the server with SIGTERM (SIGKILL after 20 s) and waits; not
// an external server.
func (s *Server) Stop() {
	if s.cmd == nil || s.cmd.Process == nil {
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
	if s.cmd == nil {
		return
	}
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
				return s, s.readVersion()
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

// readVersion reads the server's version().
func (s *Server) readVersion() error {
	resp, err := http.Post("http://"+s.HTTP+"/", "text/plain", strings.NewReader("SELECT version()"))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var body bytes.Buffer
	body.ReadFrom(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("version(): %s: %s", resp.Status, strings.TrimSpace(body.String()))
	}
	s.Version = strings.TrimSpace(body.String())
	return nil
}

// connect reaches the running server of dsn (EnvDSN). The caller holds mu.
func connect(dsn string) (*Server, error) {
	const want = "want clickhouse://[USER:PASSWORD@]HOST:9000/[PREFIX][?cluster=NAME]"
	u, err := url.Parse(dsn)
	if err != nil || u.Scheme != "clickhouse" || u.Host == "" {
		return nil, fmt.Errorf("%s (the value is not shown: it may hold a password)", want)
	}
	addr := u.Host
	if u.Port() == "" {
		addr += ":9000"
	}
	user := u.User
	if q := u.Query(); q.Has("user") || q.Has("password") {
		name, password := "", ""
		if user != nil {
			name = user.Username()
			password, _ = user.Password()
		}
		if q.Has("user") {
			name = q.Get("user")
		}
		if q.Has("password") {
			password = q.Get("password")
		}
		user = url.UserPassword(name, password)
	}
	prefix := strings.Trim(u.Path, "/")
	if strings.ContainsFunc(prefix, func(r rune) bool {
		return !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9')
	}) {
		return nil, fmt.Errorf("database prefix %q: use letters, digits and _ only", prefix)
	}
	return connectTo(addr, user, prefix)
}

// connectTo reaches the running server at addr as user. The caller holds mu.
func connectTo(addr string, user *url.Userinfo, prefix string) (*Server, error) {
	auth := clickhouse.Auth{Database: "default"}
	if user != nil {
		auth.Username = user.Username()
		auth.Password, _ = user.Password()
	}
	c, err := clickhouse.Open(&clickhouse.Options{Addr: []string{addr}, Protocol: clickhouse.Native, Auth: auth, DialTimeout: 10 * time.Second})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", addr, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var version string
	if err := c.QueryRow(ctx, "SELECT version()").Scan(&version); err != nil {
		c.Close()
		return nil, fmt.Errorf("%s: %w (is it the server's native port, usually 9000?)", addr, err)
	}
	s := &Server{TCP: addr, Version: version, user: user, dbPrefix: prefix, native: c}
	externals = append(externals, s)
	return s, nil
}

// connectCluster reaches every shard (its first replica) of the cluster
// name of the running server of dsn. The caller holds mu.
func connectCluster(dsn, name string) (*Cluster, error) {
	first, err := connect(dsn)
	if err != nil {
		return nil, err
	}
	rows, err := first.native.Query(context.Background(), `SELECT host_address, toUInt32(port) FROM system.clusters
		WHERE cluster = @cluster AND replica_num = 1 ORDER BY shard_num`, clickhouse.Named("cluster", name))
	if err != nil {
		return nil, fmt.Errorf("read system.clusters: %w", err)
	}
	defer rows.Close()
	c := &Cluster{Name: name}
	for rows.Next() {
		var host string
		var port uint32
		if err := rows.Scan(&host, &port); err != nil {
			return nil, err
		}
		shard, err := connectTo(net.JoinHostPort(host, strconv.Itoa(int(port))), first.user, first.dbPrefix)
		if err != nil {
			return nil, fmt.Errorf("shard of cluster %s: %w", name, err)
		}
		c.Shards = append(c.Shards, shard)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(c.Shards) < 2 {
		return nil, fmt.Errorf("cluster %q has %d shards in the server's remote_servers: the cluster tests need two or more", name, len(c.Shards))
	}
	// The DSN's own address reaches the cluster (a name, a port mapping):
	// the stores connect through it, as seloste's -db does.
	c.Shards[0] = first
	return c, nil
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// configXML is a server on loopback only, with small caches and logs in
// its directory, compressing with zstd as docs/clickhouse.md advises (18.16
// takes no per-column CODEC; on the benchmark's data a page view's raw
// records take 30 B instead of 46). The <clickhouse> root is what current
// releases document; 18.16.1 takes it as well.
const configXML = `<clickhouse>
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
</clickhouse>
`

const usersXML = `<clickhouse>
  <profiles><default><max_memory_usage>8000000000</max_memory_usage></default></profiles>
  <users><default><password></password><networks><ip>127.0.0.1</ip></networks><profile>default</profile><quota>default</quota></default></users>
  <quotas><default></default></quotas>
</clickhouse>
`
