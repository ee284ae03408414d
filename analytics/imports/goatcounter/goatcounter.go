// Package goatcounter imports GoatCounter's CSV export (format version 2,
// a row per page view) as collected page views: filters then work on it
// as on seloste's own data.
//
// The mapping:
//   - one visitor id per GoatCounter session and UTC day: a keyed hash
//     (HMAC-SHA-256) with a random key made for this import and dropped
//     when it ends, so no id can be recomputed from a session afterwards;
//   - visits by the usual rule: a session's page views with gaps under
//     analytics.VisitGap;
//   - browser and OS from the Browser and System columns ("Firefox 88",
//     "Windows 10"); when an older export fills UserAgent, it is parsed for
//     them and never stored; the device type follows from the OS (Android
//     and iOS phones, iPadOS tablets, Windows, macOS, Linux and ChromeOS
//     desktops) or the User-Agent;
//   - paths as exported (GoatCounter drops trailing slashes), cut to 1024
//     bytes as the collector cuts them;
//   - the referrer's host from Referrer, by the collector's rule
//     (analytics.ImportedReferrer): a URL or host and path (schemes h and
//     o) gives its host, a name GoatCounter generated (g) the host the
//     collector stores for that site ("Google" www.google.com, "Hacker
//     News" news.ycombinator.com) or, for a group of many sites ("RSS",
//     "Email"), the name; a campaign (c) is utm_source;
//   - Location "FI-18" as country FI and region 18;
//   - rows with Bot > 0 as bot hits (time and site only);
//   - an event row (Event true; its Path is the event's name, it has no
//     properties) becomes a custom event when the configuration declares
//     that name (and the statement describes it: the caller passes only
//     those), of the page view of its session at or before it on the
//     same UTC day, or else the session's first later page view that day:
//     the event takes that page view's visitor and visit. Other event rows
//     are skipped and counted (Result.EventsSkipped).
//
// Title, Screen size and FirstVisit are not stored. The whole file is read
// and checked before anything is stored, and then stored in one
// transaction: a bad line anywhere stores nothing.
package goatcounter

import (
	"cmp"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/seloste/seloste/analytics"
	"github.com/seloste/seloste/analytics/imports"
	"github.com/seloste/seloste/analytics/useragent"
)

// Source is the analytics.Import.Source of these imports.
const Source = "goatcounter"

// Header is the version 2 header, as GoatCounter writes it: the format's
// version number prefixes the first name.
var Header = []string{"2Path", "Title", "Event", "UserAgent", "Browser", "System", "Session", "Bot",
	"Referrer", "Referrer scheme", "Screen size", "Location", "FirstVisit", "Date"}

// The columns, by their place in Header.
const (
	colPath = iota
	colTitle
	colEvent
	colUserAgent
	colBrowser
	colSystem
	colSession
	colBot
	colReferrer
	colScheme
	colScreen
	colLocation
	colFirstVisit
	colDate
)

// Result is what an import did.
type Result struct {
	Import    analytics.Import
	Replaced  string
	PageViews int64
	Bots      int64
	Events    int64 // event rows stored as custom events
	// EventsSkipped counts event rows not stored: undeclared names, and
	// events whose session has no page view that UTC day.
	EventsSkipped int64
}

// eventRow is one event row as read, to be stored.
type eventRow struct {
	ts      int64
	session uint32
	name    uint32 // index in names
}

// view is one page view as read, values interned.
type view struct {
	ts      int64
	session uint32 // index in sessions
	values  [numValues]uint32
}

const (
	vPath = iota
	vReferrer
	vUTMSource
	vCountry
	vRegion
	vBrowser
	vVersion
	vOS
	vDevice
	numValues
)

type reader struct {
	values   [numValues]map[string]uint32
	strs     [numValues][]string
	sessions map[string]uint32
	views    []view
	bots     []int64
	declared analytics.EventConfig
	events   []eventRow
	names    []string
	nameOf   map[string]uint32
	skipped  int64 // event rows not declared
	alone    int64 // event rows without a session
	ua       *useragent.Parser
}

// sessionOf is the index of a session, given one if new.
func (r *reader) sessionOf(session string) uint32 {
	s, ok := r.sessions[session]
	if !ok {
		s = uint32(len(r.sessions))
		r.sessions[session] = s
	}
	return s
}

func (r *reader) code(k int, s string) uint32 {
	if c, ok := r.values[k][s]; ok {
		return c
	}
	c := uint32(len(r.strs[k]))
	r.values[k][s] = c
	r.strs[k] = append(r.strs[k], s)
	return c
}

// Import reads the GoatCounter export at path (a .csv, a .csv.gz, or a zip
// holding one .csv) and stores it as site's page views, all or nothing,
// with the event rows that events declares as custom events. Importing
// the same file again replaces the earlier import.
func Import(ctx context.Context, store analytics.ImportStore, site, path string, events analytics.EventConfig, limits imports.Limits, progress *imports.Progress) (Result, error) {
	var res Result
	exp, err := imports.OpenExport(path, limits)
	if err != nil {
		return res, fmt.Errorf("goatcounter import: %w", err)
	}
	defer exp.Close()
	var files []imports.File
	for _, f := range exp.Files {
		if strings.HasSuffix(strings.ToLower(f.Name), ".csv") {
			files = append(files, f)
		}
	}
	if len(files) != 1 {
		return res, fmt.Errorf("goatcounter import: %s: want one CSV export (a .csv, .csv.gz or a zip of one .csv), found %d CSV files", path, len(files))
	}
	r := &reader{sessions: map[string]uint32{}, ua: useragent.NewParser(), declared: events, nameOf: map[string]uint32{}}
	for k := range r.values {
		r.values[k] = map[string]uint32{}
	}
	sum := sha256.New()
	if err := r.read(files[0], limits, sum, progress); err != nil {
		return res, fmt.Errorf("goatcounter import: %w", err)
	}
	progress.Done()
	if len(r.views) == 0 && len(r.bots) == 0 {
		return res, fmt.Errorf("goatcounter import: %s holds no page views", files[0].Path)
	}
	res.PageViews, res.Bots = int64(len(r.views)), int64(len(r.bots))
	imp := analytics.Import{Site: site, Source: Source, Key: "goatcounter sha256:" + hex.EncodeToString(sum.Sum(nil))}
	stored, replaced, err := store.AppendImport(ctx, imp, func(put func(analytics.Batch) error) (string, error) {
		stored, alone, err := r.store(site, put)
		if err != nil {
			return "", err
		}
		alone += r.alone
		res.Events, res.EventsSkipped = stored, r.skipped+alone
		s := fmt.Sprintf("%d page views, %d events, %d bot hits", res.PageViews, res.Events, res.Bots)
		if r.skipped > 0 {
			s += fmt.Sprintf("; %d event rows skipped (not declared in the configuration or not described in the statement)", r.skipped)
		}
		if alone > 0 {
			s += fmt.Sprintf("; %d event rows skipped (no page view of their session that day)", alone)
		}
		return s, nil
	})
	if err != nil {
		return res, fmt.Errorf("goatcounter import: %w", err)
	}
	res.Import, res.Replaced = stored, replaced
	return res, nil
}

// read parses and checks the whole file.
func (r *reader) read(f imports.File, limits imports.Limits, sum hash.Hash, progress *imports.Progress) error {
	in, err := f.Open(limits)
	if err != nil {
		return err
	}
	defer in.Close()
	c := csv.NewReader(io.TeeReader(in, sum))
	c.ReuseRecord = true
	header, err := c.Read()
	if err != nil {
		return csvError(f.Path, err)
	}
	if !slices.Equal(header, Header) {
		if len(header) > 0 && versionRE.MatchString(header[0]) {
			return fmt.Errorf("%s:1: export format version %q: this reads version 2 (GoatCounter 2.0 and later); export the site again", f.Path, strings.TrimSuffix(header[0], "Path"))
		}
		return fmt.Errorf("%s:1: not a GoatCounter export: the header must be %s", f.Path, strings.Join(Header, ","))
	}
	for {
		rec, err := c.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return csvError(f.Path, err)
		}
		line, _ := c.FieldPos(0)
		if err := r.row(rec); err != nil {
			return fmt.Errorf("%s:%d: %w", f.Path, line, err)
		}
		progress.Add(1)
	}
}

func csvError(path string, err error) error {
	var pe *csv.ParseError
	if !errors.As(err, &pe) {
		return err
	}
	if errors.Is(pe.Err, csv.ErrFieldCount) {
		return fmt.Errorf("%s:%d: wrong number of fields (the header has %d)", path, pe.Line, len(Header))
	}
	return fmt.Errorf("%s:%d: %v", path, pe.Line, pe.Err)
}

// versionRE is the first name of any version's header.
var versionRE = regexp.MustCompile(`^[0-9]+Path$`)

// maxPath is the collector's cut of a stored path.
const maxPath = 1024

func (r *reader) row(rec []string) error {
	for i, v := range rec {
		if i != colTitle && strings.ContainsFunc(v, func(c rune) bool { return c < 0x20 || c == 0x7f }) {
			return fmt.Errorf("column %s holds control characters", Header[i])
		}
	}
	ts, err := time.Parse(time.RFC3339, rec[colDate])
	if err != nil {
		return fmt.Errorf("column Date: %q is not an RFC 3339 time (2006-01-02T15:04:05Z)", rec[colDate])
	}
	bot, err := strconv.Atoi(rec[colBot])
	if err != nil || bot < 0 {
		return fmt.Errorf("column Bot: %q is not a number", rec[colBot])
	}
	event, err := parseBool(rec[colEvent])
	if err != nil {
		return fmt.Errorf("column Event: %q is not true or false", rec[colEvent])
	}
	var agent useragent.Agent
	if rec[colUserAgent] != "" {
		// An older export's User-Agent: read for the browser, never kept.
		agent = r.ua.Parse(rec[colUserAgent])
		if agent.Bot {
			bot = max(bot, 1)
		}
	}
	if bot > 0 {
		r.bots = append(r.bots, ts.Unix())
		return nil
	}
	if event {
		// The path is the event's name; it has no properties.
		name := rec[colPath]
		if r.declared.CheckEvent(name, nil) != nil {
			r.skipped++
			return nil
		}
		if rec[colSession] == "" {
			r.alone++ // no session: no page view to belong to
			return nil
		}
		n, ok := r.nameOf[name]
		if !ok {
			n = uint32(len(r.names))
			r.nameOf[name] = n
			r.names = append(r.names, name)
		}
		r.events = append(r.events, eventRow{ts: ts.UTC().Unix(), session: r.sessionOf(rec[colSession]), name: n})
		return nil
	}
	var v view
	v.ts = ts.UTC().Unix()
	session := rec[colSession]
	if session == "" {
		session = fmt.Sprintf("row %d", len(r.views)) // no session: a visitor of its own
	}
	v.session = r.sessionOf(session)
	path := rec[colPath]
	if len(path) > maxPath {
		path = path[:maxPath]
	}
	v.values[vPath] = r.code(vPath, path)
	ref, utm := referrer(rec[colReferrer], rec[colScheme])
	v.values[vReferrer], v.values[vUTMSource] = r.code(vReferrer, ref), r.code(vUTMSource, utm)
	country, region, _ := strings.Cut(rec[colLocation], "-")
	v.values[vCountry], v.values[vRegion] = r.code(vCountry, strings.ToUpper(country)), r.code(vRegion, strings.ToUpper(region))
	browser, version := nameVersion(rec[colBrowser])
	os, _ := nameVersion(rec[colSystem])
	device := deviceOf(os)
	if rec[colUserAgent] != "" {
		browser, version, os, device = agent.Browser, agent.Version, agent.OS, agent.Device
	}
	if i := strings.IndexByte(version, '.'); i >= 0 {
		version = version[:i]
	}
	v.values[vBrowser], v.values[vVersion] = r.code(vBrowser, browser), r.code(vVersion, version)
	v.values[vOS], v.values[vDevice] = r.code(vOS, os), r.code(vDevice, device)
	r.views = append(r.views, v)
	return nil
}

func parseBool(s string) (bool, error) {
	switch strings.ToLower(s) {
	case "true", "1", "t":
		return true, nil
	case "false", "0", "f", "":
		return false, nil
	}
	return false, errors.New("not a boolean")
}

// referrer is the referrer host, or the campaign's utm_source, of a ref
// and its ref_scheme as GoatCounter exports them: h is an HTTP referrer
// without its scheme ("www.reddit.com/r/programming"), g a name
// GoatCounter gave a group of referrers ("Google", "Hacker News"), o
// anything else (an app's id, and in older versions whole URLs such as
// "https://www.google.fi/"), c a campaign's utm_source (or source or ref)
// value; older versions leave the scheme empty. Hosts and names go through
// analytics.ImportedReferrer, the collector's rule.
func referrer(value, scheme string) (host, utmSource string) {
	if scheme == "c" {
		return "", value
	}
	return analytics.ImportedReferrer(value, ""), ""
}

// nameVersion splits "Firefox 88" or "Windows 10" into its name and the
// version, when the last word starts with a digit.
func nameVersion(s string) (name, version string) {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, ' '); i > 0 && i+1 < len(s) && s[i+1] >= '0' && s[i+1] <= '9' {
		return s[:i], s[i+1:]
	}
	return s, ""
}

func deviceOf(os string) string {
	switch os {
	case "Android", "iOS":
		return analytics.DeviceMobile
	case "iPadOS":
		return analytics.DeviceTablet
	case "Windows", "macOS", "Linux", "ChromeOS", "Chrome OS", "FreeBSD", "OpenBSD":
		return analytics.DeviceDesktop
	}
	return ""
}

// batchSize is how many page views go to the store at a time.
const batchSize = 5000

// store assigns visitors and visits, hands the page views over, then the
// events: how many were stored, and how many had no page view to join.
func (r *reader) store(site string, put func(analytics.Batch) error) (stored, alone int64, err error) {
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return 0, 0, err
	}
	defer clear(key) // the key lives only as long as the import
	mac := hmac.New(sha256.New, key)
	keyed := func(parts ...uint64) uint64 {
		mac.Reset()
		var b [8]byte
		for _, p := range parts {
			binary.BigEndian.PutUint64(b[:], p)
			mac.Write(b[:])
		}
		return binary.BigEndian.Uint64(mac.Sum(nil)) | 1 // never 0
	}
	// A session's page views in time order, then visits by the gap rule.
	order := make([]int32, len(r.views))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(a, b int32) int {
		va, vb := &r.views[a], &r.views[b]
		if va.session != vb.session {
			return int(va.session) - int(vb.session)
		}
		if va.ts != vb.ts {
			if va.ts < vb.ts {
				return -1
			}
			return 1
		}
		return int(a - b)
	})
	visitOf := make([]uint64, len(r.views))
	visitorOf := make([]uint64, len(r.views))
	gap := int64(analytics.VisitGap / time.Second)
	for i, vi := range order {
		v := &r.views[vi]
		day := uint64(v.ts / 86400)
		if i > 0 && visitorOf[order[i-1]] != 0 && r.views[order[i-1]].session == v.session && uint64(r.views[order[i-1]].ts/86400) == day {
			visitorOf[vi] = visitorOf[order[i-1]]
		} else {
			visitorOf[vi] = keyed(1, uint64(v.session), day)
		}
		if i > 0 && r.views[order[i-1]].session == v.session && v.ts-r.views[order[i-1]].ts < gap {
			visitOf[vi] = visitOf[order[i-1]]
		} else {
			visitOf[vi] = keyed(2, uint64(v.session), uint64(v.ts))
		}
	}
	var b analytics.Batch
	flush := func() error {
		if b.Len() == 0 {
			return nil
		}
		err := put(b)
		b = analytics.Batch{PageViews: b.PageViews[:0]}
		return err
	}
	str := func(k int, v *view) string { return r.strs[k][v.values[k]] }
	for i := range r.views {
		v := &r.views[i]
		b.PageViews = append(b.PageViews, analytics.PageView{
			Time: time.Unix(v.ts, 0).UTC(), Site: site, Visitor: visitorOf[i], Visit: visitOf[i],
			ID:   "gc" + strconv.Itoa(i),
			Path: str(vPath, v), ReferrerHost: str(vReferrer, v), UTMSource: str(vUTMSource, v),
			Country: str(vCountry, v), Region: str(vRegion, v),
			Browser: str(vBrowser, v), BrowserVersion: str(vVersion, v), OS: str(vOS, v), Device: str(vDevice, v),
		})
		if len(b.PageViews) == batchSize {
			if err := flush(); err != nil {
				return 0, 0, err
			}
		}
	}
	for _, ts := range r.bots {
		b.Bots = append(b.Bots, analytics.BotHit{Time: time.Unix(ts, 0).UTC(), Site: site})
	}
	if err := flush(); err != nil {
		return 0, 0, err
	}
	// Each event joins a page view of its session and UTC day: the last at
	// or before it, else the first after it. order has each session's page
	// views in time order.
	slices.SortFunc(r.events, func(a, b eventRow) int {
		return cmp.Or(cmp.Compare(a.session, b.session), cmp.Compare(a.ts, b.ts))
	})
	for i := range r.events {
		e := &r.events[i]
		j, _ := slices.BinarySearchFunc(order, e, func(vi int32, e *eventRow) int {
			v := &r.views[vi]
			return cmp.Or(cmp.Compare(v.session, e.session), cmp.Compare(v.ts, e.ts+1))
		})
		day := e.ts / 86400
		pick := int32(-1)
		if j > 0 {
			if v := &r.views[order[j-1]]; v.session == e.session && v.ts/86400 == day {
				pick = order[j-1]
			}
		}
		if pick < 0 && j < len(order) {
			if v := &r.views[order[j]]; v.session == e.session && v.ts/86400 == day {
				pick = order[j]
			}
		}
		if pick < 0 {
			alone++
			continue
		}
		b.Events = append(b.Events, analytics.Event{Time: time.Unix(e.ts, 0).UTC(), Site: site,
			Visitor: visitorOf[pick], Visit: visitOf[pick], PageView: "gc" + strconv.Itoa(int(pick)), Name: r.names[e.name]})
		stored++
		if len(b.Events) == batchSize {
			if err := put(b); err != nil {
				return 0, 0, err
			}
			b.Events = b.Events[:0]
		}
	}
	if len(b.Events) > 0 {
		if err := put(b); err != nil {
			return 0, 0, err
		}
	}
	return stored, alone, nil
}
