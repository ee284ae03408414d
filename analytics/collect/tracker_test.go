package collect

import (
	"bytes"
	"compress/gzip"
	"image"
	imagegif "image/gif"
	"io"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

func decodeGIF(b []byte) (image.Image, error) { return imagegif.Decode(bytes.NewReader(b)) }

// The wire contract's budgets (README, issue 10), gzipped at best
// compression: s.js at most 1,000 bytes, custom events and the consent
// gate included, as served to a collector with no exempt site (each
// exempt site adds its name); s.consent.js, loaded only where visitors
// must consent first, at most 1,800.
func TestTrackerSize(t *testing.T) {
	for _, f := range []struct {
		name   string
		js     []byte
		budget int
	}{
		{"s.js", trackerJS, 1000},
		{"s.consent.js (loaded only for a site that needs consent)", consentJS, 1800},
		{"s.auto.js (loaded only when the tag asks)", autoJS, 0},
	} {
		n := gzipSize(bytes.TrimSpace(f.js))
		t.Logf("%s: %d bytes, %d gzipped", f.name, len(bytes.TrimSpace(f.js)), n)
		if f.budget > 0 && n > f.budget {
			t.Errorf("%s is %d bytes gzipped, budget %d", f.name, n, f.budget)
		}
	}
}

func gzipSize(b []byte) int {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	zw.Write(b)
	zw.Close()
	return buf.Len()
}

// The exempt sites are written into s.js as an object literal, in name
// order, and the result is still JavaScript.
func TestTrackerExemptSites(t *testing.T) {
	js, err := trackerFor([]string{"b.example", "a.example"})
	if err != nil {
		t.Fatal(err)
	}
	if want := `Date.now,{"a.example":1,"b.example":1})`; !bytes.HasSuffix(js, []byte(want)) {
		t.Fatalf("s.js ends %q, want %q", js[len(js)-60:], want)
	}
	if plain, _ := trackerFor(nil); !bytes.Equal(plain, bytes.TrimSpace(trackerJS)) {
		t.Error("s.js without exempt sites differs from the embedded file")
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node not installed; the browser test covers the tracker")
	}
	f := filepath.Join(t.TempDir(), "s.js")
	if err := os.WriteFile(f, js, 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(node, "--check", f).CombinedOutput(); err != nil {
		t.Fatalf("node --check of s.js with exempt sites: %v\n%s", err, out)
	}
}

// node, when present, must parse the tracker (a syntax error would
// otherwise only show in the browser test).
func TestTrackerSyntax(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node not installed; the browser test covers the tracker")
	}
	for _, f := range []string{"s.js", "s.consent.js", "s.auto.js"} {
		if out, err := exec.Command(node, "--check", filepath.Join(".", f)).CombinedOutput(); err != nil {
			t.Fatalf("node --check %s: %v\n%s", f, err, out)
		}
	}
}

func TestServeTracker(t *testing.T) {
	c := newCollector(t, openStore(t), nil)
	h := handler(c)

	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/s.js", nil))
	etag := w.Header().Get("ETag")
	if w.Code != 200 || w.Header().Get("Content-Type") != "text/javascript; charset=utf-8" || etag == "" ||
		w.Header().Get("Cache-Control") == "" || !bytes.Equal(w.Body.Bytes(), bytes.TrimSpace(trackerJS)) {
		t.Fatalf("GET /s.js: %d %v", w.Code, w.Header())
	}

	r := httptest.NewRequest("GET", "/s.js", nil)
	r.Header.Set("Accept-Encoding", "br, gzip")
	w = httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Header().Get("Content-Encoding") != "gzip" {
		t.Fatalf("no gzip: %v", w.Header())
	}
	zr, err := gzip.NewReader(w.Body)
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := io.ReadAll(zr)
	if !bytes.Equal(plain, bytes.TrimSpace(trackerJS)) {
		t.Error("gzipped tracker differs")
	}

	for _, inm := range []string{etag, "W/" + etag, `"x", ` + etag} {
		r = httptest.NewRequest("GET", "/s.js", nil)
		r.Header.Set("If-None-Match", inm)
		w = httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != 304 || w.Body.Len() != 0 {
			t.Errorf("If-None-Match %s: %d", inm, w.Code)
		}
	}
	r = httptest.NewRequest("GET", "/s.js", nil)
	r.Header.Set("If-None-Match", `"stale"`)
	w = httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != 200 {
		t.Errorf("stale ETag: %d", w.Code)
	}
}
