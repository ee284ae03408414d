package ga4

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/seloste/seloste/analytics"
	"github.com/seloste/seloste/analytics/sqlite"
)

var ctx = context.Background()

// fakeAPI answers as the Data API and Google's token endpoint document:
// runReport with dimensionHeaders, metricHeaders (with types), rows of
// dimensionValues and metricValues, rowCount and paging by offset and
// limit; errors as {"error":{"code","message","status"}}.
type fakeAPI struct {
	t        *testing.T
	key      *rsa.PublicKey
	mu       sync.Mutex
	requests int
	quota    map[string]bool // families already refused once with 429
	pages    int
	data     map[string][][]string // the property's rows, when not data's
}

// data is the property's rows per dimension list: dimension values then
// activeUsers, sessions, screenPageViews, engagedSessions,
// userEngagementDuration.
var data = map[string][][]string{
	"date": {
		{"20250101", "10", "12", "30", "8", "600.4"}, {"20250102", "20", "25", "50", "20", "1500"}, {"20250103", "5", "5", "9", "1", "77"},
	},
	"date,pagePath": {
		{"20250101", "/", "8", "10", "20", "6", "300"}, {"20250101", "/hinnasto", "3", "3", "10", "2", "300"},
		{"20250102", "/", "20", "25", "50", "20", "1500"}, {"20250103", "/blogi", "5", "5", "9", "1", "77"},
	},
	"date,landingPage": {
		{"20250101", "/", "10", "12", "30", "8", "600"}, {"20250102", "/", "20", "25", "50", "20", "1500"}, {"20250103", "/blogi", "5", "5", "9", "1", "77"},
	},
	"date,sessionSource,sessionMedium,sessionCampaignName": {
		{"20250101", "google", "organic", "(organic)", "6", "7", "20", "5", "400"},
		{"20250101", "(direct)", "(none)", "(direct)", "4", "5", "10", "3", "200"},
		{"20250102", "uutiskirje", "email", "kevat", "20", "25", "50", "20", "1500"},
		{"20250103", "duckduckgo.com", "referral", "(referral)", "5", "5", "9", "1", "77"},
	},
	"date,countryId,region,city": {
		{"20250101", "FI", "Uusimaa", "Helsinki", "10", "12", "30", "8", "600"},
		{"20250102", "SE", "Stockholm County", "Stockholm", "20", "25", "50", "20", "1500"},
		{"20250103", "(not set)", "(not set)", "(not set)", "5", "5", "9", "1", "77"},
	},
	"date,browser":         {{"20250101", "Chrome", "10", "12", "30", "8", "600"}, {"20250102", "Firefox", "20", "25", "50", "20", "1500"}, {"20250103", "Safari", "5", "5", "9", "1", "77"}},
	"date,operatingSystem": {{"20250101", "Windows", "10", "12", "30", "8", "600"}, {"20250102", "Linux", "20", "25", "50", "20", "1500"}, {"20250103", "iOS", "5", "5", "9", "1", "77"}},
	"date,deviceCategory":  {{"20250101", "desktop", "10", "12", "30", "8", "600"}, {"20250102", "desktop", "20", "25", "50", "20", "1500"}, {"20250103", "mobile", "5", "5", "9", "1", "77"}},
	// Events: eventCount, totalUsers.
	"date,eventName,linkUrl": {
		{"20250101", "page_view", "(not set)", "30", "10"}, {"20250101", "file_download", "https://example.fi/hinnasto.pdf?v=2", "4", "3"},
		{"20250102", "Yhteydenotto", "(not set)", "6", "5"}, {"20250103", "session_start", "(not set)", "5", "5"},
		{"20250103", "click", "https://muualla.example/x?q=1#a", "2", "2"},
	},
}

func (f *fakeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	fail := func(code int, status, msg string) {
		w.Header().Set("Content-Type", "application/json; charset=UTF-8")
		w.WriteHeader(code)
		fmt.Fprintf(w, `{"error":{"code":%d,"message":%q,"status":%q}}`, code, msg, status)
	}
	if r.URL.Path == "/token" {
		f.token(w, r)
		return
	}
	if r.Header.Get("Authorization") != "Bearer ya29.test-token" {
		fail(401, "UNAUTHENTICATED", "Request had invalid authentication credentials.")
		return
	}
	prop, ok := strings.CutSuffix(strings.TrimPrefix(r.URL.Path, "/v1beta/properties/"), ":runReport")
	if !ok || r.Method != http.MethodPost {
		fail(404, "NOT_FOUND", "no such method")
		return
	}
	if prop != "123456789" {
		f.mu.Lock()
		f.requests++
		f.mu.Unlock()
		fail(403, "PERMISSION_DENIED", "User does not have sufficient permissions for this property.")
		return
	}
	var req runReportRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || len(req.DateRanges) != 1 {
		fail(400, "INVALID_ARGUMENT", "bad request")
		return
	}
	var dims []string
	for _, d := range req.Dimensions {
		dims = append(dims, d.Name)
	}
	key := strings.Join(dims, ",")
	f.mu.Lock()
	f.requests++
	refuse := !f.quota[key]
	f.quota[key] = true
	f.mu.Unlock()
	switch {
	case refuse && key == "date,browser":
		fail(429, "RESOURCE_EXHAUSTED", "Exhausted property tokens per hour for this property.")
		return
	case refuse && key == "date,operatingSystem":
		fail(503, "UNAVAILABLE", "The service is currently unavailable.")
		return
	}
	// The day range, then the page.
	var rows [][]string
	all := data
	if f.data != nil {
		all = f.data
	}
	for _, row := range all[key] {
		day := row[0][:4] + "-" + row[0][4:6] + "-" + row[0][6:]
		if day >= req.DateRanges[0].StartDate && day <= req.DateRanges[0].EndDate {
			rows = append(rows, row)
		}
	}
	offset, _ := strconv.Atoi(req.Offset)
	limit, _ := strconv.Atoi(req.Limit)
	total := len(rows)
	rows = rows[min(offset, total):min(offset+limit, total)]
	if offset > 0 {
		f.mu.Lock()
		f.pages++
		f.mu.Unlock()
	}
	type value struct {
		Value string `json:"value"`
	}
	type header struct {
		Name string `json:"name"`
		Type string `json:"type,omitempty"`
	}
	out := struct {
		DimensionHeaders []header `json:"dimensionHeaders"`
		MetricHeaders    []header `json:"metricHeaders"`
		Rows             []struct {
			DimensionValues []value `json:"dimensionValues"`
			MetricValues    []value `json:"metricValues"`
		} `json:"rows,omitempty"`
		RowCount int            `json:"rowCount,omitempty"`
		Metadata map[string]any `json:"metadata"`
		Kind     string         `json:"kind"`
	}{RowCount: total, Metadata: map[string]any{"currencyCode": "EUR", "timeZone": "Europe/Helsinki"}, Kind: "analyticsData#runReport"}
	for _, d := range dims {
		out.DimensionHeaders = append(out.DimensionHeaders, header{Name: d})
	}
	for _, m := range req.Metrics {
		typ := "TYPE_INTEGER"
		if m.Name == "userEngagementDuration" {
			typ = "TYPE_SECONDS"
		}
		out.MetricHeaders = append(out.MetricHeaders, header{m.Name, typ})
	}
	for _, row := range rows {
		var rr struct {
			DimensionValues []value `json:"dimensionValues"`
			MetricValues    []value `json:"metricValues"`
		}
		for i, v := range row {
			if i < len(dims) {
				rr.DimensionValues = append(rr.DimensionValues, value{v})
			} else {
				rr.MetricValues = append(rr.MetricValues, value{v})
			}
		}
		out.Rows = append(out.Rows, rr)
	}
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	json.NewEncoder(w).Encode(out)
}

// token checks the JWT bearer grant: an RS256 signature by the key file's
// key, the read-only scope, this endpoint as audience, an hour at most.
func (f *fakeAPI) token(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	bad := func(msg string) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(400)
		fmt.Fprintf(w, `{"error":"invalid_grant","error_description":%q}`, msg)
	}
	if r.Form.Get("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer" {
		bad("grant_type")
		return
	}
	parts := strings.Split(r.Form.Get("assertion"), ".")
	if len(parts) != 3 {
		bad("assertion")
		return
	}
	sig, _ := base64.RawURLEncoding.DecodeString(parts[2])
	sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if rsa.VerifyPKCS1v15(f.key, crypto.SHA256, sum[:], sig) != nil {
		bad("Invalid JWT Signature.")
		return
	}
	var claims struct {
		Iss, Scope, Aud string
		Iat, Exp        int64
	}
	b, _ := base64.RawURLEncoding.DecodeString(parts[1])
	json.Unmarshal(b, &claims)
	if claims.Iss != "importer@project.iam.gserviceaccount.com" || claims.Scope != Scope || !strings.HasSuffix(claims.Aud, "/token") || claims.Exp-claims.Iat > 3600 {
		bad(fmt.Sprintf("claims %+v", claims))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprint(w, `{"access_token":"ya29.test-token","expires_in":3599,"token_type":"Bearer"}`)
}

func setup(t *testing.T) (*fakeAPI, *httptest.Server, string, *sqlite.Store) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	der, _ := x509.MarshalPKCS8PrivateKey(key)
	api := &fakeAPI{t: t, key: &key.PublicKey, quota: map[string]bool{}}
	srv := httptest.NewServer(api) // 127.0.0.1
	t.Cleanup(srv.Close)
	sa, _ := json.Marshal(map[string]string{"type": "service_account", "project_id": "project", "private_key_id": "k1",
		"private_key":  string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})),
		"client_email": "importer@project.iam.gserviceaccount.com", "token_uri": "https://oauth2.googleapis.com/token"})
	cred := filepath.Join(t.TempDir(), "sa.json")
	os.WriteFile(cred, sa, 0o600)
	s, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "seloste.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return api, srv, cred, s
}

func config(srv *httptest.Server, cred string) Config {
	return Config{Site: "example.fi", Property: "123456789", Credentials: cred, TokenURL: srv.URL + "/token",
		Endpoint: srv.URL + "/v1beta", From: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2025, 1, 3, 0, 0, 0, 0, time.UTC),
		ChunkDays: 2, PageSize: 1, Backoff: time.Millisecond}
}

// TestImport: a service account's JWT for a token, two chunks of days,
// paging a row at a time, a 429 and a 503 answered by retrying, and the
// numbers as reports show them.
func TestImport(t *testing.T) {
	api, srv, cred, s := setup(t)
	res, err := Import(ctx, s, config(srv, cred))
	if err != nil {
		t.Fatal(err)
	}
	if api.pages == 0 || res.Requests < 2*len(families) {
		t.Errorf("%d requests, %d later pages: want paging over two chunks", res.Requests, api.pages)
	}
	if api.requests != res.Requests+2 {
		t.Errorf("server saw %d requests, the importer counted %d answered: want 2 refused and retried", api.requests, res.Requests)
	}
	if res.Import.Days != 3 || res.Import.PageViews != 89 {
		t.Errorf("import %+v", res.Import)
	}
	zone, _ := time.LoadLocation(analytics.DefaultZone)
	r, err := s.Report(ctx, analytics.Query{Site: "example.fi", From: time.Date(2025, 1, 1, 0, 0, 0, 0, zone), To: time.Date(2025, 1, 3, 0, 0, 0, 0, zone), Zone: zone})
	if err != nil {
		t.Fatal(err)
	}
	// bounces = sessions − engagedSessions: 4 + 5 + 4 of 42 sessions.
	if tt := r.Totals; tt.Visitors != 35 || tt.Visits != 42 || tt.PageViews != 89 || tt.BounceRate != 13.0/42 || int(tt.AvgVisitDuration*42+0.5) != 2177 {
		t.Errorf("totals %+v", tt)
	}
	find := func(d analytics.Dimension, v string) analytics.Row {
		for _, row := range r.Breakdowns[d] {
			if row.Value == v {
				return row
			}
		}
		return analytics.Row{}
	}
	for _, c := range []struct {
		d         analytics.Dimension
		v         string
		visitors  int64
		visitsOrV int64
	}{
		{analytics.DimReferrer, "www.google.com", 6, 7}, {analytics.DimReferrer, "", 24, 30}, {analytics.DimReferrer, "duckduckgo.com", 5, 5},
		{analytics.DimUTMCampaign, "kevat", 20, 25}, {analytics.DimUTMMedium, "email", 20, 25},
		{analytics.DimEntryPage, "/", 30, 37}, {analytics.DimRegion, "FI-18", 10, 30}, {analytics.DimCity, "Helsinki", 10, 30},
		{analytics.DimCountry, "", 5, 9}, {analytics.DimPage, "/", 28, 70}, {analytics.DimDevice, analytics.DeviceMobile, 5, 9},
	} {
		row := find(c.d, c.v)
		second := row.PageViews
		if c.d.VisitLevel() {
			second = row.Visits
		}
		if row.Visitors != c.visitors || second != c.visitsOrV {
			t.Errorf("%s %q: %+v, want %d visitors and %d", c.d, c.v, row, c.visitors, c.visitsOrV)
		}
	}
	// Events: GA4's own page and session events left out, its automatic
	// ones under seloste's names with the link's origin and path.
	events := map[string]analytics.EventRow{}
	for _, e := range r.Events {
		events[e.Name] = e
	}
	if len(events) != 3 || events["File Download"].Visitors != 3 || events["File Download"].Events != 4 ||
		events["Yhteydenotto"].Events != 6 || events["Outbound Link: Click"].Visitors != 2 {
		t.Errorf("events %+v", r.Events)
	}
	props := map[string]analytics.PropRow{}
	for _, p := range r.Props {
		props[p.Event+" "+p.Prop+"="+p.Value] = p
	}
	if props["File Download url=https://example.fi/hinnasto.pdf"].Events != 4 || props["Outbound Link: Click url=https://muualla.example/x"].Visitors != 2 {
		t.Errorf("props %+v", r.Props)
	}
	// The same property and days again: replaced.
	again, err := Import(ctx, s, config(srv, cred))
	if err != nil || again.Replaced != res.Import.ID {
		t.Errorf("again: %+v %v", again, err)
	}
}

// TestForbidden: a property the account cannot read stops the import at
// once with what to do, and stores nothing.
func TestForbidden(t *testing.T) {
	api, srv, cred, s := setup(t)
	c := config(srv, cred)
	c.Property = "999"
	_, err := Import(ctx, s, c)
	if err == nil || !strings.Contains(err.Error(), "no access to property 999") || !strings.Contains(err.Error(), "PERMISSION_DENIED") || !strings.Contains(err.Error(), "Viewer") {
		t.Fatalf("err = %v", err)
	}
	if api.requests != 1 {
		t.Errorf("%d requests after a 403, want 1", api.requests)
	}
	if list, _ := s.Imports(ctx, "example.fi"); len(list) != 0 {
		t.Errorf("stored %v", list)
	}
	// A wrong token is its own message.
	c.Property, c.Token = "123456789", "wrong"
	if _, err := Import(ctx, s, c); err == nil || !strings.Contains(err.Error(), "access token was refused") {
		t.Errorf("wrong token: %v", err)
	}
	// Quota that never comes back: given up after the retries, nothing stored.
	c.Token, c.Retries = "", 1
	if _, err := Import(ctx, s, c); err == nil || !strings.Contains(err.Error(), "RESOURCE_EXHAUSTED") {
		t.Errorf("quota: %v", err)
	}
	if list, _ := s.Imports(ctx, "example.fi"); len(list) != 0 {
		t.Errorf("stored %v", list)
	}
}
