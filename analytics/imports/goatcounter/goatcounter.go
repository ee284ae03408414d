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
// and checked before anything is stored, and then read again and stored
// in one transaction: a bad line anywhere stores nothing. Memory stays
// bounded whatever the file's size (Import).
package goatcounter

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
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

// Kinds of row.
const (
	rowView    = iota
	rowBot     // a bot hit: time and site only
	rowEvent   // a declared event with a session
	rowSkipped // an event not declared
	rowAlone   // an event without a session: no page view to belong to
)

// parsed is one row as read: what it is, and its values.
type parsed struct {
	kind    int
	ts      int64  // Unix seconds, UTC
	session string // "" when the row has none
	name    string // an event's name
	view    analytics.PageView
}

// reader reads rows; it holds nothing of the rows read before.
type reader struct {
	declared analytics.EventConfig
	ua       *useragent.Parser
}

// Import reads the GoatCounter export at path (a .csv, a .csv.gz, or a zip
// holding one .csv) and stores it as site's page views, all or nothing,
// with the event rows that events declares as custom events. Importing
// the same file again replaces the earlier import.
//
// The file is read twice and never held in memory: the first pass checks
// every row and sorts what visits need (a session's hash, a time, a row
// number) in runs spilled to a temporary directory (sessions.go), whose
// merge writes each row's visitor and visit to a file there (about 40
// bytes a row on disk in all); the second pass, inside the store's
// transaction, stores the rows with them. Memory stays bounded whatever
// the file's size.
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
	file := files[0]
	r := &reader{ua: useragent.NewParser(), declared: events}
	tmp, err := os.MkdirTemp("", "seloste-goatcounter-")
	if err != nil {
		return res, fmt.Errorf("goatcounter import: %w", tempError("a temporary directory for sorting sessions", err))
	}
	defer os.RemoveAll(tmp) // it holds session hashes and times: gone with the import
	sess := newSessions(tmp)
	defer sess.close()

	// Pass 1: check every row, count, and sort the sessions' rows.
	var (
		rowNum          uint32 // rows read
		skipped, noSess int64
	)
	sum1, err := r.each(file, limits, progress, func(p *parsed) error {
		row := rowNum
		if rowNum++; rowNum == math.MaxUint32 {
			return errors.New("more rows than an import takes (4,294,967,294): split the file")
		}
		switch p.kind {
		case rowBot:
			res.Bots++
		case rowSkipped:
			skipped++
		case rowAlone:
			noSess++
		case rowView:
			res.PageViews++
			if p.session != "" {
				return sess.add(p.session, p.ts, row, false)
			}
		case rowEvent:
			return sess.add(p.session, p.ts, row, true)
		}
		return nil
	})
	if err != nil {
		return res, fmt.Errorf("goatcounter import: %w", err)
	}
	progress.Done()
	if res.PageViews == 0 && res.Bots == 0 {
		return res, fmt.Errorf("goatcounter import: %s holds no page views", file.Path)
	}
	testHookPassed()
	ids, err := sess.assign(ctx)
	if err != nil {
		return res, fmt.Errorf("goatcounter import: %w", err)
	}
	defer ids.Close()
	stored, alone := ids.events, ids.alone+noSess
	res.Events, res.EventsSkipped = stored, skipped+alone

	imp := analytics.Import{Site: site, Source: Source, Key: "goatcounter sha256:" + hex.EncodeToString(sum1)}
	progress.Restart("rows stored", int64(rowNum))
	got, replaced, err := store.AppendImport(ctx, imp, func(put func(analytics.Batch) error) (string, error) {
		if err := r.put(file, limits, site, ids, put, sum1, progress); err != nil {
			return "", err
		}
		s := fmt.Sprintf("%d page views, %d events, %d bot hits", res.PageViews, res.Events, res.Bots)
		if skipped > 0 {
			s += fmt.Sprintf("; %d event rows skipped (not declared in the configuration or not described in the statement)", skipped)
		}
		if alone > 0 {
			s += fmt.Sprintf("; %d event rows skipped (no page view of their session that day)", alone)
		}
		return s, nil
	})
	if err != nil {
		return res, fmt.Errorf("goatcounter import: %w", err)
	}
	progress.Done()
	res.Import, res.Replaced = got, replaced
	return res, nil
}

// testHookPassed runs after the first pass, in tests.
var testHookPassed = func() {}

// each parses and checks every row of f, in order, and returns the
// file's SHA-256.
func (r *reader) each(f imports.File, limits imports.Limits, progress *imports.Progress, fn func(*parsed) error) ([]byte, error) {
	in, err := f.Open(limits)
	if err != nil {
		return nil, err
	}
	defer in.Close()
	sum := sha256.New()
	c := csv.NewReader(io.TeeReader(in, sum))
	c.ReuseRecord = true
	header, err := c.Read()
	if err != nil {
		return nil, csvError(f.Path, err)
	}
	if !slices.Equal(header, Header) {
		if len(header) > 0 && versionRE.MatchString(header[0]) {
			return nil, fmt.Errorf("%s:1: export format version %q: this reads version 2 (GoatCounter 2.0 and later); export the site again", f.Path, strings.TrimSuffix(header[0], "Path"))
		}
		return nil, fmt.Errorf("%s:1: not a GoatCounter export: the header must be %s", f.Path, strings.Join(Header, ","))
	}
	var p parsed
	for {
		rec, err := c.Read()
		if errors.Is(err, io.EOF) {
			return sum.Sum(nil), nil
		}
		if err != nil {
			return nil, csvError(f.Path, err)
		}
		line, _ := c.FieldPos(0)
		if err := r.row(rec, &p); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", f.Path, line, err)
		}
		if err := fn(&p); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", f.Path, line, err)
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

// row reads one record into p.
func (r *reader) row(rec []string, p *parsed) error {
	*p = parsed{}
	for i, v := range rec {
		if i != colTitle && strings.ContainsFunc(v, func(c rune) bool { return c < 0x20 || c == 0x7f }) {
			return fmt.Errorf("column %s holds control characters", Header[i])
		}
	}
	ts, err := time.Parse(time.RFC3339, rec[colDate])
	if err != nil {
		return fmt.Errorf("column Date: %q is not an RFC 3339 time (2006-01-02T15:04:05Z)", rec[colDate])
	}
	p.ts = ts.UTC().Unix()
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
		p.kind = rowBot
		return nil
	}
	p.session = rec[colSession]
	if event {
		// The path is the event's name; it has no properties.
		name := rec[colPath]
		switch {
		case r.declared.CheckEvent(name, nil) != nil:
			p.kind = rowSkipped
		case p.session == "":
			p.kind = rowAlone
		default:
			p.kind, p.name = rowEvent, name
		}
		return nil
	}
	p.kind = rowView
	v := &p.view
	v.Path = rec[colPath]
	if len(v.Path) > maxPath {
		v.Path = v.Path[:maxPath]
	}
	v.ReferrerHost, v.UTMSource = referrer(rec[colReferrer], rec[colScheme])
	country, region, _ := strings.Cut(rec[colLocation], "-")
	v.Country, v.Region = strings.ToUpper(country), strings.ToUpper(region)
	browser, version := nameVersion(rec[colBrowser])
	os, _ := nameVersion(rec[colSystem])
	device := deviceOf(os)
	if rec[colUserAgent] != "" {
		browser, version, os, device = agent.Browser, agent.Version, agent.OS, agent.Device
	}
	if i := strings.IndexByte(version, '.'); i >= 0 {
		version = version[:i]
	}
	v.Browser, v.BrowserVersion, v.OS, v.Device = browser, version, os, device
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

// batchSize is how many rows go to the store at a time.
const batchSize = 5000

// put is the second pass: it reads f again and hands its rows to the
// store with the visitor and visit that ids assigned them. The file must
// be the one the first pass read (sum1).
func (r *reader) put(f imports.File, limits imports.Limits, site string, ids *assigned, put func(analytics.Batch) error, sum1 []byte, progress *imports.Progress) error {
	var b analytics.Batch
	flush := func() error {
		if b.Len() == 0 {
			return nil
		}
		err := put(b)
		b = analytics.Batch{PageViews: b.PageViews[:0], Events: b.Events[:0], Bots: b.Bots[:0]}
		return err
	}
	var rowNum uint32
	sum2, err := r.each(f, limits, nil, func(p *parsed) error {
		row := rowNum
		rowNum++
		progress.Add(1)
		id, err := ids.next(row)
		if err != nil {
			return err
		}
		t := time.Unix(p.ts, 0).UTC()
		switch p.kind {
		case rowBot:
			b.Bots = append(b.Bots, analytics.BotHit{Time: t, Site: site})
		case rowView:
			v := p.view
			v.Time, v.Site, v.ID = t, site, pageViewID(row)
			v.Visitor, v.Visit = id.visitor, id.visit
			if p.session == "" {
				v.Visitor, v.Visit = ids.own(row) // a visitor of its own
			}
			b.PageViews = append(b.PageViews, v)
		case rowEvent:
			if id.pageView == 0 {
				return nil // no page view of its session that day
			}
			b.Events = append(b.Events, analytics.Event{Time: t, Site: site, Visitor: id.visitor, Visit: id.visit,
				PageView: pageViewID(id.pageView - 1), Name: p.name})
		}
		if b.Len() >= batchSize {
			return flush()
		}
		return nil
	})
	if err != nil {
		return err
	}
	if !bytes.Equal(sum1, sum2) {
		return fmt.Errorf("%s changed while it was imported: nothing stored; import it again", f.Path)
	}
	return flush()
}

// pageViewID is the id of the page view of a row; the store prefixes it.
func pageViewID(row uint32) string { return "gc" + strconv.FormatUint(uint64(row), 10) }
