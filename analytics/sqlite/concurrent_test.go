package sqlite

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/seloste/seloste/analytics"
	"github.com/seloste/seloste/analytics/storetest"
)

// TestConcurrentAppendAndReport writes batches while reports run, as the
// collector and the dashboard do, and then checks the final report against
// the known answer (run it with -race).
func TestConcurrentAppendAndReport(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 3, 30, 14, 0, 0, 0, time.UTC)
	s, _ := openTest(t, WithClock(func() time.Time { return now }))
	ev := storetest.Generate(storetest.Small)
	c := storetest.Cases[0]
	q, err := c.Query()
	if err != nil {
		t.Fatal(err)
	}
	fq := q
	fq.Filters = []analytics.Filter{{Dim: analytics.DimCountry, Value: "FI"}}
	var wg sync.WaitGroup
	done := make(chan struct{})
	for _, query := range []analytics.Query{q, fq} {
		wg.Go(func() {
			for {
				select {
				case <-done:
					return
				default:
				}
				if _, err := s.Report(ctx, query); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	for _, b := range ev.Batches(200) {
		if err := s.Append(ctx, b); err != nil {
			t.Fatal(err)
		}
	}
	close(done)
	wg.Wait()
	got, err := s.Report(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	if diff := storetest.Compare(got, storetest.Expect(ev, q, now)); diff != "" {
		t.Errorf("after concurrent writes:\n%s", diff)
	}
}
