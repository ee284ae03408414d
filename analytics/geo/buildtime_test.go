package geo

import (
	"testing"
	"time"
)

// TestBuildTime: the build time is the file's metadata, which mmdbwriter
// sets when it writes the file.
func TestBuildTime(t *testing.T) {
	before := time.Now().Add(-time.Second).Truncate(time.Second)
	db := open(t, writeFixture(t, "GeoLite2-City", true))
	got := db.BuildTime()
	if got.Before(before) || got.After(time.Now()) {
		t.Errorf("build time %v, want about now (%v)", got, before)
	}
	if !(*DB)(nil).BuildTime().IsZero() {
		t.Error("a nil DB has a build time")
	}
}
