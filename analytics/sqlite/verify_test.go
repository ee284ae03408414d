package sqlite

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/seloste/seloste/analytics"
)

// TestCheckDeferredForBigFiles: a file over inlineCheckMax opens without
// its full check, and Check then finds the damage that Open would have.
func TestCheckDeferredForBigFiles(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "seloste.db")
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	var b analytics.Batch
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	for i := range 20000 {
		b.PageViews = append(b.PageViews, analytics.PageView{Time: now.Add(time.Duration(i) * time.Second), Site: "example.fi",
			Visitor: uint64(i + 1), Visit: uint64(i + 1), ID: fmt.Sprintf("p%d", i), Path: fmt.Sprintf("/%d", i%300)})
	}
	if err := s.Append(ctx, b); err != nil {
		t.Fatal(err)
	}
	s.Close()
	// Scribble over a page in the middle of the file (page views' rows).
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	fi, _ := f.Stat()
	mid := fi.Size() / 2 / 16384 * 16384
	if _, err := f.WriteAt([]byte(strings.Repeat("\xff", 16384)), mid); err != nil {
		t.Fatal(err)
	}
	f.Close()

	if _, err := Open(ctx, path, Verify()); err == nil || !strings.Contains(err.Error(), "damaged") {
		t.Fatalf("small file, checked at open: %v", err)
	}
	defer func(old int64) { inlineCheckMax = old }(inlineCheckMax)
	inlineCheckMax = 0
	s, err = Open(ctx, path, Verify())
	if err != nil {
		t.Fatalf("big file: open should put the check off: %v", err)
	}
	defer s.Close()
	if err := s.Check(ctx); err == nil || !strings.Contains(err.Error(), "damaged") {
		t.Errorf("Check: %v, want the damage", err)
	}
}
