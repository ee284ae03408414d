package notice

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// contentDir is the example's statement folder: Kuopion Softop Oy's real
// history, locked, so it never changes. Tests only read it; the
// repository's own content/ is a demo that may change at any time.
const contentDir = "../examples/kuopion-softop/content/" + Dir

// copySource copies the example's statement folder into a temporary
// folder that the test may change.
func copySource(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	entries, err := os.ReadDir(contentDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		data, err := os.ReadFile(filepath.Join(contentDir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, e.Name()), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// copySource2020 is copySource with only the first version, 2020-02-08,
// and its lock line: the statement as it was before seloste's collector,
// for tests that pin what is said about that text.
func copySource2020(t *testing.T) string {
	t.Helper()
	dir := copySource(t)
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".md") && e.Name() != "2020-02-08.md" {
			if err := os.Remove(filepath.Join(dir, e.Name())); err != nil {
				t.Fatal(err)
			}
		}
	}
	var kept []string
	for _, l := range strings.SplitAfter(readFile(t, filepath.Join(dir, LockFile)), "\n") {
		if l == "" || strings.HasPrefix(l, "#") || strings.HasPrefix(l, "2020-02-08 ") {
			kept = append(kept, l)
		}
	}
	writeFile(t, filepath.Join(dir, LockFile), strings.Join(kept, ""))
	return dir
}

func mustLoad(t *testing.T, dir string) []Version {
	t.Helper()
	vs, err := Load(dir)
	if err != nil {
		t.Fatalf("Load(%s): %v", dir, err)
	}
	return vs
}

func date(s string) time.Time {
	d, err := time.Parse(DateLayout, s)
	if err != nil {
		panic(err)
	}
	return d
}

func writeFile(t *testing.T, path, data string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}
