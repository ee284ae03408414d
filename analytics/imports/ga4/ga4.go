// Package ga4 imports a Google Analytics 4 property's history through the
// Google Analytics Data API (properties/{id}:runReport) as imported
// aggregates.
//
// It asks one report per family of dimensions and chunk of days, paged
// with offset and limit, retrying with backoff on 429 RESOURCE_EXHAUSTED
// and 5xx answers and stopping with a clear message on 403 (no access to
// the property). It authenticates with a service account's key (a JWT
// signed with RS256, exchanged for an OAuth access token) or with an
// access token given.
//
// The mapping: date; activeUsers → visitors, sessions → visits,
// screenPageViews → page views, sessions − engagedSessions → bounces (GA4
// counts a session that was not engaged as a bounce: its definition, not
// seloste's one-page-view visits), userEngagementDuration → the visits'
// duration; pagePath → pages, landingPage → entry pages (GA4 reports no
// exit pages); sessionSource/sessionMedium/sessionCampaignName → sources
// (a source with medium organic, referral or none is a referrer, by the
// collector's rule: "google" is www.google.com as a browser's referrer
// from Google search is, see analytics.ImportedReferrer; any other medium
// makes it utm_source/utm_medium/utm_campaign); countryId, region
// (Finland's regions to their ISO codes, other countries' left empty) and
// city → locations; browser, operatingSystem and deviceCategory;
// eventName and linkUrl with eventCount and totalUsers → imported events
// (custom_events), leaving out GA4's page and session events (page_view,
// session_start, first_visit, user_engagement, scroll), and with
// file_download and click (outbound links) under seloste's names "File
// Download" and "Outbound Link: Click", their url the link's origin and
// path.
package ga4

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/seloste/seloste/analytics"
	"github.com/seloste/seloste/analytics/geo"
	"github.com/seloste/seloste/analytics/imports"
)

// Source is the analytics.Import.Source of these imports.
const Source = "ga4"

// DefaultEndpoint is the Data API's base URL.
const DefaultEndpoint = "https://analyticsdata.googleapis.com/v1beta"

// Scope is the OAuth scope the importer asks for: read-only.
const Scope = "https://www.googleapis.com/auth/analytics.readonly"

// Config is one import.
type Config struct {
	Site     string
	Property string    // the GA4 property id, digits
	From, To time.Time // days, inclusive
	Endpoint string    // DefaultEndpoint unless set
	// Token is an OAuth access token; without it Credentials (a service
	// account's key file, JSON) gets one.
	Token       string
	Credentials string
	TokenURL    string // overrides the key file's token_uri (tests)
	Client      *http.Client
	ChunkDays   int   // days per request (366)
	PageSize    int64 // rows per page (100 000; the API allows 250 000)
	Backoff     time.Duration
	Retries     int
	Progress    *imports.Progress
}

// Result is what an import did.
type Result struct {
	Import   analytics.Import
	Replaced string
	Requests int
	Rows     int64
}

// family is one request's dimensions and metrics, and how a row becomes
// ours.
type family struct {
	family     analytics.ImportFamily
	dimensions []string
	values     func(dims []string) [analytics.MaxImportValues]string
	metrics    []string // trafficMetrics unless set
	// row makes the ImportedRow of a row's dimensions and metrics (in the
	// order of metrics); false skips it. trafficRow unless set.
	row func(r analytics.ImportedRow, dims []string, m []int64) (analytics.ImportedRow, bool)
}

var trafficMetrics = []string{"activeUsers", "sessions", "screenPageViews", "engagedSessions", "userEngagementDuration"}

func trafficRow(r analytics.ImportedRow, _ []string, m []int64) (analytics.ImportedRow, bool) {
	r.Visitors, r.Visits, r.PageViews, r.Bounces, r.VisitSeconds = m[0], m[1], m[2], max(m[1]-m[3], 0), m[4]
	return r, true
}

// Events: a day's count and users per event name and link, as
// custom_events. GA4's own page and session events are what the other
// families count; the rest keep their names, but for the two enhanced
// measurement events that are seloste's automatic ones, renamed so that
// reports and exports see one event.
var eventsFamily = family{analytics.FamilyCustomEvents, []string{"date", "eventName", "linkUrl"}, nil,
	[]string{"eventCount", "totalUsers"}, eventRow}

var (
	lifecycleEvents = map[string]bool{"page_view": true, "session_start": true, "first_visit": true, "user_engagement": true, "scroll": true}
	renamedEvents   = map[string]string{"file_download": "File Download", "click": "Outbound Link: Click"}
)

func eventRow(r analytics.ImportedRow, d []string, m []int64) (analytics.ImportedRow, bool) {
	name := d[1]
	if lifecycleEvents[name] || name == "" || name == "(not set)" {
		return r, false
	}
	if n, ok := renamedEvents[name]; ok {
		name = n
		// The url prop is the link's origin and path, as the tracker's.
		if u, err := url.Parse(notSet(d[2])); err == nil && u.Host != "" {
			r.Values[1] = u.Scheme + "://" + u.Host + u.EscapedPath()
		}
	}
	r.Values[0] = name
	r.Events, r.Visitors = m[0], m[1]
	return r, true
}

var families = []family{
	{analytics.FamilyVisitors, []string{"date"}, func([]string) (v [4]string) { return }, nil, nil},
	{analytics.FamilyPages, []string{"date", "pagePath"}, func(d []string) (v [4]string) { v[0] = d[1]; return }, nil, nil},
	{analytics.FamilyEntryPages, []string{"date", "landingPage"}, func(d []string) (v [4]string) { v[0] = d[1]; return }, nil, nil},
	{analytics.FamilySources, []string{"date", "sessionSource", "sessionMedium", "sessionCampaignName"}, sources, nil, nil},
	{analytics.FamilyLocations, []string{"date", "countryId", "region", "city"}, locations, nil, nil},
	{analytics.FamilyBrowsers, []string{"date", "browser"}, func(d []string) (v [4]string) { v[0] = notSet(d[1]); return }, nil, nil},
	{analytics.FamilyOS, []string{"date", "operatingSystem"}, func(d []string) (v [4]string) { v[0] = notSet(d[1]); return }, nil, nil},
	{analytics.FamilyDevices, []string{"date", "deviceCategory"}, func(d []string) (v [4]string) { v[0] = strings.ToLower(notSet(d[1])); return }, nil, nil},
}

// notSet is "" for GA4's "(not set)" and "(other)".
func notSet(s string) string {
	if s == "(not set)" || s == "(other)" {
		return ""
	}
	return s
}

func sources(d []string) (v [4]string) {
	source, medium, campaign := notSet(d[1]), notSet(d[2]), notSet(d[3])
	switch medium {
	case "", "(none)", "organic", "referral":
		// A search engine's name ("google") or a referrer's host: the
		// host the collector stores for it; "(direct)" is none.
		v[0] = analytics.ImportedReferrer("", source)
	default:
		v[1], v[2] = source, medium
		if campaign != "(organic)" && campaign != "(referral)" && campaign != "(direct)" {
			v[3] = campaign
		}
	}
	return v
}

func locations(d []string) (v [4]string) {
	v[0] = notSet(d[1])
	if v[0] == "FI" {
		if code := geo.FinnishRegion(d[2]); code != "" {
			v[1] = "FI-" + code
		}
	}
	v[2] = notSet(d[3])
	return v
}

// Import reads the property's history into site's imported aggregates, all
// or nothing. The same property and days again replace the earlier import.
func Import(ctx context.Context, store analytics.ImportStore, c Config) (Result, error) {
	var res Result
	if c.Endpoint == "" {
		c.Endpoint = DefaultEndpoint
	}
	if c.Client == nil {
		c.Client = &http.Client{Timeout: 2 * time.Minute}
	}
	if c.ChunkDays <= 0 {
		c.ChunkDays = 366
	}
	if c.PageSize <= 0 {
		c.PageSize = 100_000
	}
	if c.Backoff <= 0 {
		c.Backoff = time.Second
	}
	if c.Retries <= 0 {
		c.Retries = 6
	}
	if c.Property == "" || strings.Trim(c.Property, "0123456789") != "" {
		return res, fmt.Errorf("ga4 import: property %q: want the property's numeric id (Admin → Property details)", c.Property)
	}
	if c.To.Before(c.From) {
		return res, errors.New("ga4 import: the last day is before the first")
	}
	token := c.Token
	if token == "" {
		var err error
		if token, err = serviceAccountToken(ctx, c); err != nil {
			return res, fmt.Errorf("ga4 import: %w", err)
		}
	}
	var chunks [][2]string
	for d := c.From; !d.After(c.To); d = d.AddDate(0, 0, c.ChunkDays) {
		end := d.AddDate(0, 0, c.ChunkDays-1)
		if end.After(c.To) {
			end = c.To
		}
		chunks = append(chunks, [2]string{d.Format(time.DateOnly), end.Format(time.DateOnly)})
	}
	all := append(append([]family(nil), families...), eventsFamily)
	c.Progress.SetTotal(int64(len(chunks) * len(all)))
	imp := analytics.Import{Site: c.Site, Source: Source,
		Key: fmt.Sprintf("ga4 property %s %s..%s", c.Property, c.From.Format(time.DateOnly), c.To.Format(time.DateOnly))}
	stored, replaced, err := store.PutImport(ctx, imp, func(put func(analytics.ImportedRow) error) (string, error) {
		for _, ch := range chunks {
			for _, f := range all {
				if err := c.report(ctx, token, f, ch, put, &res); err != nil {
					return "", err
				}
				c.Progress.Add(1)
			}
		}
		return fmt.Sprintf("property %s, %d rows in %d requests", c.Property, res.Rows, res.Requests), nil
	})
	c.Progress.Done()
	if err != nil {
		return res, fmt.Errorf("ga4 import: %w", err)
	}
	res.Import, res.Replaced = stored, replaced
	return res, nil
}

// runReportRequest is the part of the Data API's RunReportRequest used.
type runReportRequest struct {
	DateRanges []dateRange `json:"dateRanges"`
	Dimensions []named     `json:"dimensions"`
	Metrics    []named     `json:"metrics"`
	Offset     string      `json:"offset,omitempty"` // int64 as JSON
	Limit      string      `json:"limit"`
	KeepEmpty  bool        `json:"keepEmptyRows,omitempty"`
}

type dateRange struct {
	StartDate string `json:"startDate"`
	EndDate   string `json:"endDate"`
}

type named struct {
	Name string `json:"name"`
}

// runReportResponse is the part of RunReportResponse read.
type runReportResponse struct {
	DimensionHeaders []named `json:"dimensionHeaders"`
	MetricHeaders    []named `json:"metricHeaders"`
	Rows             []struct {
		DimensionValues []struct {
			Value string `json:"value"`
		} `json:"dimensionValues"`
		MetricValues []struct {
			Value string `json:"value"`
		} `json:"metricValues"`
	} `json:"rows"`
	RowCount int64 `json:"rowCount"`
}

// apiError is Google's error body.
type apiError struct {
	Error struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
		Status  string `json:"status"`
	} `json:"error"`
}

func (c Config) report(ctx context.Context, token string, f family, days [2]string, put func(analytics.ImportedRow) error, res *Result) error {
	metrics, makeRow := f.metrics, f.row
	if metrics == nil {
		metrics, makeRow = trafficMetrics, trafficRow
	}
	req := runReportRequest{DateRanges: []dateRange{{days[0], days[1]}}, Limit: strconv.FormatInt(c.PageSize, 10)}
	for _, d := range f.dimensions {
		req.Dimensions = append(req.Dimensions, named{d})
	}
	for _, m := range metrics {
		req.Metrics = append(req.Metrics, named{m})
	}
	for offset := int64(0); ; {
		if offset > 0 {
			req.Offset = strconv.FormatInt(offset, 10)
		}
		var resp runReportResponse
		if err := c.call(ctx, token, req, &resp); err != nil {
			return fmt.Errorf("%s %s to %s: %w", f.family, days[0], days[1], err)
		}
		res.Requests++
		if len(resp.DimensionHeaders) != len(f.dimensions) || len(resp.MetricHeaders) != len(metrics) {
			return fmt.Errorf("%s %s to %s: the answer has %d dimensions and %d metrics, asked for %d and %d", f.family, days[0], days[1],
				len(resp.DimensionHeaders), len(resp.MetricHeaders), len(f.dimensions), len(metrics))
		}
		// Columns by the headers' names, in case their order differs.
		dimAt, metAt := make([]int, len(f.dimensions)), map[string]int{}
		for i, h := range resp.DimensionHeaders {
			for j, d := range f.dimensions {
				if h.Name == d {
					dimAt[j] = i
				}
			}
		}
		for i, h := range resp.MetricHeaders {
			metAt[h.Name] = i
		}
		for _, row := range resp.Rows {
			if len(row.DimensionValues) != len(f.dimensions) || len(row.MetricValues) != len(metrics) {
				return fmt.Errorf("%s %s to %s: a row of %d dimensions and %d metrics", f.family, days[0], days[1], len(row.DimensionValues), len(row.MetricValues))
			}
			dims := make([]string, len(f.dimensions))
			for j := range dims {
				dims[j] = row.DimensionValues[dimAt[j]].Value
			}
			day, err := time.Parse("20060102", dims[0])
			if err != nil {
				return fmt.Errorf("%s: date %q is not YYYYMMDD", f.family, dims[0])
			}
			metric := func(name string) (int64, error) {
				i, ok := metAt[name]
				if !ok {
					return 0, fmt.Errorf("%s: no %s in the answer", f.family, name)
				}
				v, err := strconv.ParseFloat(row.MetricValues[i].Value, 64)
				if err != nil || v < 0 {
					return 0, fmt.Errorf("%s: %s %q is not a count", f.family, name, row.MetricValues[i].Value)
				}
				return int64(v + 0.5), nil
			}
			m := make([]int64, len(metrics))
			for k, name := range metrics {
				if m[k], err = metric(name); err != nil {
					return err
				}
			}
			r := analytics.ImportedRow{Day: day.Format(time.DateOnly), Family: f.family}
			if f.values != nil {
				r.Values = f.values(dims)
			}
			r, ok := makeRow(r, dims, m)
			if !ok {
				continue
			}
			if err := put(r); err != nil {
				return err
			}
			res.Rows++
		}
		offset += int64(len(resp.Rows))
		if len(resp.Rows) == 0 || offset >= resp.RowCount {
			return nil
		}
	}
}

// call posts one runReport, retrying what the API says to retry.
func (c Config) call(ctx context.Context, token string, req runReportRequest, out *runReportResponse) error {
	body, err := json.Marshal(req)
	if err != nil {
		return err
	}
	u := strings.TrimSuffix(c.Endpoint, "/") + "/properties/" + c.Property + ":runReport"
	wait := c.Backoff
	for attempt := 1; ; attempt++ {
		r, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
		if err != nil {
			return err
		}
		r.Header.Set("Authorization", "Bearer "+token)
		r.Header.Set("Content-Type", "application/json")
		resp, err := c.Client.Do(r)
		var status int
		var data []byte
		if err == nil {
			status = resp.StatusCode
			data, err = io.ReadAll(io.LimitReader(resp.Body, 256<<20))
			resp.Body.Close()
		}
		var e apiError
		if err == nil && status != http.StatusOK {
			json.Unmarshal(data, &e)
		}
		retry := err != nil || status == http.StatusTooManyRequests || status >= 500
		switch {
		case err == nil && status == http.StatusOK:
			if err := json.Unmarshal(data, out); err != nil {
				return fmt.Errorf("the answer is not a runReport response: %w", err)
			}
			return nil
		case status == http.StatusForbidden:
			return fmt.Errorf("no access to property %s (%s: %s): give the service account (or the token's user) the Viewer role on the property in Google Analytics, Admin → Property access management",
				c.Property, e.Error.Status, e.Error.Message)
		case status == http.StatusUnauthorized:
			return fmt.Errorf("the access token was refused (%s: %s): check -token or the key file", e.Error.Status, e.Error.Message)
		case !retry:
			return fmt.Errorf("the Data API answered %d %s: %s", status, e.Error.Status, e.Error.Message)
		}
		if attempt >= c.Retries {
			if err != nil {
				return fmt.Errorf("after %d attempts: %w", attempt, err)
			}
			return fmt.Errorf("after %d attempts the Data API still answers %d %s: %s (quota: try again later, or a shorter -from/-to)", attempt, status, e.Error.Status, e.Error.Message)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
		wait *= 2
	}
}

// serviceAccount is the part of a service account's key file used.
type serviceAccount struct {
	Type         string `json:"type"`
	ClientEmail  string `json:"client_email"`
	PrivateKeyID string `json:"private_key_id"`
	PrivateKey   string `json:"private_key"`
	TokenURI     string `json:"token_uri"`
}

// serviceAccountToken signs a JWT with the key file's RSA key and trades
// it for an access token at the token endpoint (OAuth 2.0 JWT bearer).
func serviceAccountToken(ctx context.Context, c Config) (string, error) {
	if c.Credentials == "" {
		return "", errors.New("give a service account's key file or an access token")
	}
	data, err := os.ReadFile(c.Credentials)
	if err != nil {
		return "", fmt.Errorf("key file: %w", err)
	}
	var sa serviceAccount
	if err := json.Unmarshal(data, &sa); err != nil || sa.Type != "service_account" || sa.ClientEmail == "" || sa.PrivateKey == "" {
		return "", fmt.Errorf("key file %s: not a service account's JSON key (type service_account, client_email, private_key)", c.Credentials)
	}
	block, _ := pem.Decode([]byte(sa.PrivateKey))
	if block == nil {
		return "", fmt.Errorf("key file %s: private_key is not PEM", c.Credentials)
	}
	parsed, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		if parsed, err = x509.ParsePKCS1PrivateKey(block.Bytes); err != nil {
			return "", fmt.Errorf("key file %s: private_key: %w", c.Credentials, err)
		}
	}
	key, ok := parsed.(*rsa.PrivateKey)
	if !ok {
		return "", fmt.Errorf("key file %s: private_key is not an RSA key", c.Credentials)
	}
	tokenURL := sa.TokenURI
	if c.TokenURL != "" {
		tokenURL = c.TokenURL
	}
	if tokenURL == "" {
		tokenURL = "https://oauth2.googleapis.com/token"
	}
	now := time.Now()
	enc := base64.RawURLEncoding
	header, _ := json.Marshal(map[string]string{"alg": "RS256", "typ": "JWT", "kid": sa.PrivateKeyID})
	claims, _ := json.Marshal(map[string]any{"iss": sa.ClientEmail, "scope": Scope, "aud": tokenURL,
		"iat": now.Unix(), "exp": now.Add(time.Hour).Unix()})
	signing := enc.EncodeToString(header) + "." + enc.EncodeToString(claims)
	sum := sha256.Sum256([]byte(signing))
	sig, err := rsa.SignPKCS1v15(nil, key, crypto.SHA256, sum[:])
	if err != nil {
		return "", err
	}
	form := url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:jwt-bearer"}, "assertion": {signing + "." + enc.EncodeToString(sig)}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, tokenURL, strings.NewReader(form.Encode()))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := c.Client.Do(req)
	if err != nil {
		return "", fmt.Errorf("token endpoint: %w", err)
	}
	defer resp.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}
	json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&tok)
	if resp.StatusCode != http.StatusOK || tok.AccessToken == "" {
		return "", fmt.Errorf("token endpoint %s answered %d %s %s: check the key file (is the service account enabled?)", tokenURL, resp.StatusCode, tok.Error, tok.Description)
	}
	return tok.AccessToken, nil
}
