package notice

import (
	"os"
	"testing"
	"time"
)

// TestMain runs the package's tests on a fixed day, after every date the
// tests write (their "later" versions are of January 2027): what a test
// sees must not depend on the day it runs. Tests of "today" set their own
// day with onDay.
func TestMain(m *testing.M) {
	clock = func() time.Time { return time.Date(2027, 6, 1, 12, 0, 0, 0, time.UTC) }
	os.Exit(m.Run())
}

// onDay sets the clock to the instant at for the test.
func onDay(t *testing.T, at time.Time) {
	t.Helper()
	old := clock
	clock = func() time.Time { return at }
	t.Cleanup(func() { clock = old })
}
