package sqlite

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/seloste/seloste/analytics/storetest"
)

// TestKnownAnswers runs the engine-neutral known-answer tests.
func TestKnownAnswers(t *testing.T) {
	storetest.Run(t, func(t *testing.T, now time.Time) storetest.Engine {
		s, err := Open(context.Background(), filepath.Join(t.TempDir(), "seloste.db"), WithClock(func() time.Time { return now }))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}
