package sqlite

import (
	"context"
	"testing"
	"time"

	"github.com/seloste/seloste/analytics"
)

// TestSettleFoldsLeaves: a day after its page views, Maintain folds their
// leaves into them and deletes the leave records, except the table's
// newest (later appends are told apart by rowid), and reports do not
// change. The shared suite checks the numbers; this checks the storage.
func TestSettleFoldsLeaves(t *testing.T) {
	ctx := context.Background()
	day := time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC)
	now := day.AddDate(0, 0, 3)
	s, _ := openTest(t, WithClock(func() time.Time { return now }))
	var b analytics.Batch
	// c (recent) is stored first, so that the table's newest leave record
	// is b's, which settles.
	for i, id := range []string{"c", "a", "b"} {
		at := map[string]time.Time{"a": day.Add(time.Hour), "b": day.Add(2 * time.Hour), "c": now.Add(-time.Hour)}[id]
		b.PageViews = append(b.PageViews, analytics.PageView{Time: at, Site: "example.fi", Visitor: 1, Visit: uint64(i), ID: id, Path: "/"})
		b.Leaves = append(b.Leaves,
			analytics.Leave{Time: at.Add(time.Minute), Site: "example.fi", PageView: id, Duration: 4 * time.Second},
			analytics.Leave{Time: at.Add(2 * time.Minute), Site: "example.fi", PageView: id, Duration: 9 * time.Second},
			analytics.Leave{Time: at.Add(30 * time.Hour), Site: "example.fi", PageView: id, Duration: time.Hour}) // too late to count
	}
	if err := s.Append(ctx, b); err != nil {
		t.Fatal(err)
	}
	q := analytics.Query{Site: "example.fi", From: day, To: now, Zone: time.UTC}
	before, err := s.Report(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	var maxBefore int64
	s.db.QueryRow(`SELECT MAX(rowid) FROM leaves`).Scan(&maxBefore)
	if err := s.Maintain(ctx, time.UTC); err != nil {
		t.Fatal(err)
	}
	folded := map[string]int64{}
	rows, err := s.db.Query(`SELECT pageview_id, IFNULL(duration_ms, -1) FROM pageviews`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id string
		var ms int64
		rows.Scan(&id, &ms)
		folded[id] = ms
	}
	rows.Close()
	if folded["a"] != 9000 || folded["b"] != 9000 || folded["c"] != unsettled {
		t.Errorf("folded visible times %v, want a and b 9000 ms, c (less than a day old) not yet", folded)
	}
	var leaves, maxAfter int64
	s.db.QueryRow(`SELECT COUNT(*), MAX(rowid) FROM leaves`).Scan(&leaves, &maxAfter)
	// a's and b's leaves go, except the newest record of the table (b's
	// too late one); c's stay.
	if leaves != 3+1 || maxAfter != maxBefore {
		t.Errorf("after settling: %d leave records, newest rowid %d; want 4 (c's three and the newest), %d", leaves, maxAfter, maxBefore)
	}
	after, err := s.Report(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	if before.Totals != after.Totals {
		t.Errorf("settling changed the totals: %+v, then %+v", before.Totals, after.Totals)
	}
}
