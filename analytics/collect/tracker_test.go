package collect

import (
	"bytes"
	"compress/gzip"
	"image"
	imagegif "image/gif"
	"io"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"testing"
)

func decodeGIF(b []byte) (image.Image, error) { return imagegif.Decode(bytes.NewReader(b)) }

// The wire contract's budget (README, issue 10): at most 1,000 bytes
// gzipped (best compression), custom events included.
func TestTrackerSize(t *testing.T) {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	zw.Write(bytes.TrimSpace(trackerJS))
	zw.Close()
	t.Logf("s.js: %d bytes, %d gzipped", len(bytes.TrimSpace(trackerJS)), buf.Len())
	if buf.Len() > 1000 {
		t.Errorf("s.js is %d bytes gzipped, budget 1000", buf.Len())
	}
	buf.Reset()
	zw, _ = gzip.NewWriterLevel(&buf, gzip.BestCompression)
	zw.Write(bytes.TrimSpace(autoJS))
	zw.Close()
	t.Logf("s.auto.js (loaded only when the tag asks): %d bytes, %d gzipped", len(bytes.TrimSpace(autoJS)), buf.Len())
}

// node, when present, must parse the tracker (a syntax error would
// otherwise only show in the browser test).
func TestTrackerSyntax(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node not installed; the browser test covers the tracker")
	}
	if out, err := exec.Command(node, "--check", filepath.Join(".", "s.js")).CombinedOutput(); err != nil {
		t.Fatalf("node --check s.js: %v\n%s", err, out)
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
