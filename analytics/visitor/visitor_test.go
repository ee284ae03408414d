package visitor

import (
	"context"
	"crypto/rand"
	"errors"
	"net/netip"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/seloste/seloste/analytics"
)

// memSalts is an in-memory analytics.Salts.
type memSalts struct {
	mu    sync.Mutex
	salts map[string][]byte
	calls int
	err   error
}

func (m *memSalts) Salt(_ context.Context, t time.Time) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.calls++
	if m.err != nil {
		return nil, m.err
	}
	if m.salts == nil {
		m.salts = map[string][]byte{}
	}
	d := t.UTC().Format(time.DateOnly)
	if s, ok := m.salts[d]; ok {
		return s, nil
	}
	s := make([]byte, 32)
	rand.Read(s)
	m.salts[d] = s
	return s, nil
}

var (
	ip1 = netip.MustParseAddr("198.51.100.7")
	ip2 = netip.MustParseAddr("2001:db8::1")
	ua1 = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"
	ua2 = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
)

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestIDs(t *testing.T) {
	ctx := context.Background()
	tr := New(&memSalts{})
	now := at("2026-03-01T12:00:00Z")
	id := func(now time.Time, site string, ip netip.Addr, ua string) uint64 {
		v, err := tr.ID(ctx, now, site, ip, ua)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	base := id(now, "example.fi", ip1, ua1)
	if base != id(now.Add(3*time.Hour), "example.fi", ip1, ua1) {
		t.Error("same visitor, same day: ids differ")
	}
	// IPv4 and its IPv4-mapped IPv6 form are the same client.
	if base != id(now, "example.fi", netip.AddrFrom16(ip1.As16()), ua1) {
		t.Error("IPv4-mapped address gives another id")
	}
	others := map[string]uint64{
		"other site": id(now, "example.com", ip1, ua1),
		"other IP":   id(now, "example.fi", ip2, ua1),
		"other UA":   id(now, "example.fi", ip1, ua2),
		"next day":   id(now.Add(24*time.Hour), "example.fi", ip1, ua1),
	}
	for name, v := range others {
		if v == base {
			t.Errorf("%s: same id as the base visitor", name)
		}
	}
}

func TestVisits(t *testing.T) {
	ctx := context.Background()
	salts := &memSalts{}
	tr := New(salts)
	assign := func(now time.Time, ip netip.Addr) (uint64, uint64) {
		t.Helper()
		v, visit, err := tr.Assign(ctx, now, "example.fi", ip, ua1)
		if err != nil {
			t.Fatal(err)
		}
		if visit == 0 {
			t.Fatal("visit 0")
		}
		return v, visit
	}
	t0 := at("2026-03-01T12:00:00Z")
	v1, visit1 := assign(t0, ip1)
	if _, visit := assign(t0.Add(29*time.Minute), ip1); visit != visit1 {
		t.Error("page view 29 min later started a new visit")
	}
	// The gap counts from the latest page view, not the first.
	if _, visit := assign(t0.Add(58*time.Minute), ip1); visit != visit1 {
		t.Error("page view 29 min after the previous one started a new visit")
	}
	if _, visit := assign(t0.Add(88*time.Minute), ip1); visit == visit1 {
		t.Error("page view 30 min after the previous one continued the visit")
	}
	if _, visit := assign(t0, ip2); visit == visit1 {
		t.Error("another visitor joined the visit")
	}

	// Across midnight UTC: the id changes with the salt, the visit goes on.
	late := at("2026-03-01T23:50:00Z")
	v2, visitLate := assign(late, ip1)
	if v2 != v1 {
		t.Error("same day, different id")
	}
	v3, visitNext := assign(at("2026-03-02T00:10:00Z"), ip1)
	if v3 == v2 {
		t.Error("the id did not change at midnight")
	}
	if visitNext != visitLate {
		t.Error("visit across midnight was split")
	}
	if _, visit := assign(at("2026-03-02T00:20:00Z"), ip1); visit != visitLate {
		t.Error("visit after midnight not continued under the new id")
	}
	// Past VisitGap after midnight, yesterday's salt is no longer consulted.
	calls := salts.calls
	assign(at("2026-03-02T05:00:00Z"), ip2)
	if salts.calls != calls {
		t.Errorf("salt store called %d times for a cached day", salts.calls-calls)
	}
}

func TestSeed(t *testing.T) {
	ctx := context.Background()
	salts := &memSalts{}
	now := at("2026-03-01T12:00:00Z")
	id, err := New(salts).ID(ctx, now, "example.fi", ip1, ua1)
	if err != nil {
		t.Fatal(err)
	}
	// A restarted tracker with the same salts continues the stored visit.
	tr := New(salts)
	tr.Seed([]analytics.OpenVisit{{Site: "example.fi", Visitor: id, Visit: 42, Last: now.Add(-10 * time.Minute)}})
	_, visit, err := tr.Assign(ctx, now, "example.fi", ip1, ua1)
	if err != nil {
		t.Fatal(err)
	}
	if visit != 42 {
		t.Errorf("visit = %d, want the seeded 42", visit)
	}
}

func TestSaltError(t *testing.T) {
	boom := errors.New("disk I/O error")
	tr := New(&memSalts{err: boom})
	_, _, err := tr.Assign(context.Background(), time.Now(), "example.fi", ip1, ua1)
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want %v", err, boom)
	}
}

func TestMaxOpen(t *testing.T) {
	ctx := context.Background()
	tr := New(&memSalts{})
	tr.MaxOpen = 2
	now := at("2026-03-01T12:00:00Z")
	for i := range 5 {
		ip := netip.AddrFrom4([4]byte{192, 0, 2, byte(i)})
		if _, _, err := tr.Assign(ctx, now, "example.fi", ip, ua1); err != nil {
			t.Fatal(err)
		}
	}
	if n := tr.Open(); n != 2 {
		t.Errorf("open visits = %d, want the bound 2", n)
	}
	if n := tr.Untracked(); n != 3 {
		t.Errorf("untracked = %d, want the 3 visitors past the bound", n)
	}
	// Visits older than VisitGap are swept on a later call.
	if _, _, err := tr.Assign(ctx, now.Add(time.Hour), "example.fi", ip1, ua1); err != nil {
		t.Fatal(err)
	}
	if n := tr.Open(); n != 1 {
		t.Errorf("open visits after sweep = %d, want 1", n)
	}
}

func BenchmarkAssign(b *testing.B) {
	ctx := context.Background()
	tr := New(&memSalts{})
	now := at("2026-03-01T12:00:00Z")
	b.ReportAllocs()
	for b.Loop() {
		tr.Assign(ctx, now, "example.fi", ip1, ua2)
	}
}

// TestOpenVisitsShrinkAfterAFlood: a million visitors within the visit gap
// are all kept, in at most 40 bytes each (about 25 in the table's 16-byte
// slots; a swiss map of visitor → visit took 60, a (site, visitor) key with
// a time.Time 128; the bound leaves room for a growth step), and once their
// visits have closed the memory goes back.
func TestOpenVisitsShrinkAfterAFlood(t *testing.T) {
	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	tr := New(&memSalts{})
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	const n = 1 << 20
	for i := range n {
		ip := netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)})
		if _, _, err := tr.Assign(context.Background(), now, "example.fi", ip, "ua"); err != nil {
			t.Fatal(err)
		}
	}
	if got := tr.Open(); got != n {
		t.Fatalf("%d open visits, want %d", got, n)
	}
	var full runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&full)
	// One visitor half an hour later: the sweep closes the others.
	later := now.Add(analytics.VisitGap + 2*time.Minute)
	tr.Assign(context.Background(), later, "example.fi", netip.MustParseAddr("192.0.2.1"), "ua")
	if got := tr.Open(); got != 1 {
		t.Fatalf("%d open visits after the gap, want 1", got)
	}
	var after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&after)
	t.Logf("heap with %d open visits: %d MB (%.0f bytes a visit); after they closed: %d MB", n, full.HeapInuse>>20, float64(full.HeapInuse-before.HeapInuse)/n, after.HeapInuse>>20)
	if full.HeapInuse < after.HeapInuse+16<<20 {
		t.Errorf("the heap did not shrink after the visits closed: %d MB, then %d MB", full.HeapInuse>>20, after.HeapInuse>>20)
	}
	if perVisit := float64(full.HeapInuse-before.HeapInuse) / n; perVisit > 40 {
		t.Errorf("%.0f bytes per open visit, want at most 40", perVisit)
	}
}

// TestTouchEventLimit: a visit's events past the limit are refused and do
// not count; the count is the visit's, starts over on a new UTC day (the
// visit goes on past midnight under yesterday's id, then today's), and
// another visitor has its own.
func TestTouchEventLimit(t *testing.T) {
	ctx := context.Background()
	tr := New(&memSalts{})
	const limit = 3
	now := at("2026-03-01T23:50:00Z")
	if _, _, err := tr.Assign(ctx, now, "example.fi", ip1, ua1); err != nil {
		t.Fatal(err)
	}
	if _, _, err := tr.Assign(ctx, now, "example.fi", ip2, ua2); err != nil {
		t.Fatal(err)
	}
	touch := func(when time.Time, ip netip.Addr, ua string) error {
		t.Helper()
		_, _, ok, err := tr.Touch(ctx, when, "example.fi", ip, ua, limit)
		if !ok {
			t.Fatalf("%v: no open visit", when)
		}
		return err
	}
	for i := range limit {
		if err := touch(now.Add(time.Duration(i)*time.Second), ip1, ua1); err != nil {
			t.Fatalf("event %d: %v", i+1, err)
		}
	}
	for i := range 2 {
		if err := touch(now.Add(time.Minute), ip1, ua1); !errors.Is(err, ErrEventLimit) {
			t.Fatalf("event %d past the limit: %v, want ErrEventLimit", limit+i+1, err)
		}
	}
	if err := touch(now.Add(time.Minute), ip2, ua2); err != nil {
		t.Errorf("another visitor's first event: %v", err)
	}
	// Past midnight UTC the visit goes on (yesterday's id) with a new count.
	after := at("2026-03-02T00:05:00Z")
	for i := range limit {
		if err := touch(after, ip1, ua1); err != nil {
			t.Fatalf("after midnight, event %d: %v", i+1, err)
		}
	}
	if err := touch(after, ip1, ua1); !errors.Is(err, ErrEventLimit) {
		t.Errorf("after midnight, event %d: %v, want ErrEventLimit", limit+1, err)
	}
	// No limit.
	for range 2 * limit {
		if _, _, _, err := tr.Touch(ctx, after, "example.fi", ip2, ua2, 0); err != nil {
			t.Fatalf("without a limit: %v", err)
		}
	}
}
