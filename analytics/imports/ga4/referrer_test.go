package ga4

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/seloste/seloste/analytics"
	"github.com/seloste/seloste/analytics/sqlite"
	"github.com/seloste/seloste/analytics/storetest"
)

// gaVisit is one session as GA4 reports its source, medium and campaign,
// and as a browser made it.
type gaVisit struct {
	source, medium, campaign string
	browser                  string // the referrer the browser sent
	utm                      [3]string
}

// gaVisits: GA4's sessionSource as it writes it, a search engine's name
// with medium organic, a host with referral, (direct) with (none), and a
// tagged visit.
var gaVisits = []gaVisit{
	{"google", "organic", "(organic)", "https://www.google.com/", [3]string{}},
	{"bing", "organic", "(organic)", "https://www.bing.com/", [3]string{}},
	{"duckduckgo", "organic", "(organic)", "https://duckduckgo.com/", [3]string{}},
	{"l.facebook.com", "referral", "(referral)", "https://l.facebook.com/", [3]string{}},
	{"fi.wikipedia.org", "referral", "(referral)", "https://fi.wikipedia.org/wiki/Kuopio", [3]string{}},
	{"t.co", "referral", "(referral)", "https://t.co/AbC", [3]string{}},
	{"(direct)", "(none)", "(direct)", "", [3]string{}},
	{"newsletter", "email", "kevat", "", [3]string{"newsletter", "email", "kevat"}},
}

// TestImportReferrers: a GA4 property's sources, imported, give the
// referrer, channel and UTM rows of the same sessions collected (their
// referrers through analytics.ReferrerHost, as the collector does).
func TestImportReferrers(t *testing.T) {
	api, srv, cred, s := setup(t)
	api.data = map[string][][]string{"date": {{"20250101", fmt.Sprint(len(gaVisits)), fmt.Sprint(len(gaVisits)), fmt.Sprint(len(gaVisits)), "0", "0"}}}
	key := "date,sessionSource,sessionMedium,sessionCampaignName"
	zone, _ := time.LoadLocation(analytics.DefaultZone)
	day := time.Date(2025, 1, 1, 12, 0, 0, 0, zone)
	var native analytics.Batch
	for i, v := range gaVisits {
		api.data[key] = append(api.data[key], []string{"20250101", v.source, v.medium, v.campaign, "1", "1", "1", "0", "0"})
		native.PageViews = append(native.PageViews, analytics.PageView{
			Time: day.Add(time.Duration(i) * time.Minute).UTC(), Site: "example.fi", Visitor: uint64(i + 1), Visit: uint64(i + 1),
			ID: fmt.Sprint("p", i), Path: "/", ReferrerHost: analytics.ReferrerHost(v.browser),
			UTMSource: v.utm[0], UTMMedium: v.utm[1], UTMCampaign: v.utm[2],
		})
	}
	if _, err := Import(ctx, s, config(srv, cred)); err != nil {
		t.Fatal(err)
	}
	collected, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "collected.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { collected.Close() })
	if err := collected.Append(ctx, native); err != nil {
		t.Fatal(err)
	}
	q := analytics.Query{Site: "example.fi", From: time.Date(2025, 1, 1, 0, 0, 0, 0, zone), To: time.Date(2025, 1, 1, 0, 0, 0, 0, zone), Zone: zone}
	have, err := s.Report(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	want, err := collected.Report(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	storetest.SameRows(t, have, want, analytics.DimReferrer, analytics.DimChannel, analytics.DimUTMSource, analytics.DimUTMMedium, analytics.DimUTMCampaign)
	if n := len(want.Breakdowns[analytics.DimReferrer]); n < 7 {
		t.Fatalf("only %d referrer rows collected", n)
	}
}
