package goatcounter

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/seloste/seloste/analytics"
	"github.com/seloste/seloste/analytics/imports"
)

// refVisit is one visit as GoatCounter exports it (its ref and ref_scheme)
// and as a browser made it (its referrer and page URL).
type refVisit struct {
	ref, scheme string
	browser     string // the referrer the browser sent, "" for none
	utmSource   string // of the page URL
}

// refVisits holds every ref_scheme in the forms GoatCounter writes them
// (exportcsv.go writes refs.ref and refs.ref_scheme as stored; hit.go and
// ref.go make them): h a referrer without its scheme, o anything else (in
// exports of older versions, whole URLs), g a generated name, c a
// campaign; "" is an older version's empty scheme.
var refVisits = []refVisit{
	{"https://www.google.fi/", "o", "https://www.google.fi/", ""},
	{"https://fi.wikipedia.org/wiki/Kuopio", "o", "https://fi.wikipedia.org/wiki/Kuopio", ""},
	{"https://duckduckgo.com", "o", "https://duckduckgo.com/", ""},
	{"", "o", "", ""},
	{"duckduckgo.com", "h", "https://duckduckgo.com/?q=kuopio", ""},
	{"www.reddit.com/r/Finland", "h", "https://www.reddit.com/r/Finland/", ""},
	{"t.co/AbC", "h", "https://t.co/AbC", ""},
	{"Google", "g", "https://www.google.com/", ""},
	{"Hacker News", "g", "https://news.ycombinator.com/", ""},
	{"www.facebook.com", "g", "https://www.facebook.com/", ""},
	{"Yahoo", "g", "https://search.yahoo.com/", ""},
	{"kevat", "c", "", "kevat"},
	{"https://www.bing.com/search?q=x", "", "https://www.bing.com/", ""},
}

// TestImportReferrers: a GoatCounter export with every ref scheme, imported,
// has the referrer and channel rows of the same visits collected (their
// referrers through analytics.ReferrerHost, as the collector does).
func TestImportReferrers(t *testing.T) {
	day := time.Date(2025, 6, 1, 8, 0, 0, 0, time.UTC)
	var file bytes.Buffer
	w := csv.NewWriter(&file)
	w.Write(Header)
	var native analytics.Batch
	for i, v := range refVisits {
		ts := day.Add(time.Duration(i) * time.Minute)
		w.Write([]string{"/", "Etusivu", "0", "", "Firefox 125", "Linux", fmt.Sprintf("%015x-%016x", i+1, i+1), "0",
			v.ref, v.scheme, "1920,1080,1", "FI", "1", ts.Format(time.RFC3339)})
		native.PageViews = append(native.PageViews, analytics.PageView{
			Time: ts, Site: "example.fi", Visitor: uint64(i + 1), Visit: uint64(i + 1), ID: fmt.Sprint("p", i),
			Path: "/", UTMSource: v.utmSource, ReferrerHost: analytics.ReferrerHost(v.browser),
			Country: "FI", Browser: "Firefox", BrowserVersion: "125", OS: "Linux", Device: analytics.DeviceDesktop,
		})
	}
	// GoatCounter's name for webmail has no one host; its channel is Email.
	w.Write([]string{"/", "", "0", "", "Firefox 125", "Linux", "e-1", "0", "Email", "g", "", "FI", "1", day.Format(time.RFC3339)})
	w.Flush()
	path := filepath.Join(t.TempDir(), "goatcounter-export.csv")
	if err := os.WriteFile(path, file.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}

	imported := openStore(t)
	if _, err := Import(ctx, imported, "example.fi", path, analytics.EventConfig{}, imports.DefaultLimits, nil); err != nil {
		t.Fatal(err)
	}
	collected := openStore(t)
	if err := collected.Append(ctx, native); err != nil {
		t.Fatal(err)
	}
	have, want := report(t, imported), report(t, collected)
	for _, d := range []analytics.Dimension{analytics.DimReferrer, analytics.DimChannel, analytics.DimUTMSource} {
		h, w := rows(have, d), rows(want, d)
		if d == analytics.DimReferrer {
			if h["Email"] != 1 {
				t.Errorf("referrer Email: %d visitors, want 1", h["Email"])
			}
			delete(h, "Email")
		}
		if d == analytics.DimChannel {
			if h[analytics.ChannelEmail] != 1 {
				t.Errorf("channel Email: %d visitors, want 1", h[analytics.ChannelEmail])
			}
			delete(h, analytics.ChannelEmail)
		}
		if !equal(h, w) {
			t.Errorf("%s: imported %v, collected %v", d, h, w)
		}
	}
	if n := len(rows(want, analytics.DimReferrer)); n < 9 {
		t.Fatalf("only %d referrer rows collected", n)
	}
	if got := rows(want, analytics.DimChannel); got[analytics.ChannelOrganicSearch] != 6 || got[analytics.ChannelOrganicSocial] != 4 {
		t.Errorf("collected channels %v, want 6 Organic Search and 4 Organic Social", got)
	}
}
