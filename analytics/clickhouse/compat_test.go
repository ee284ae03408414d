package clickhouse

import (
	"errors"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"

	"github.com/seloste/seloste/analytics"
)

// The checklist of what differs between ClickHouse 18.16 (the server the
// tests start) and current releases, for the SQL this package sends. A
// statement passes when both accept it and mean the same by it; the
// settings sent with it must be ones its server knows.
//
// Every statement a Store sends in this package's tests, the shared
// known-answer suite included, is checked as it is sent (statementCheck,
// installed below): a finding fails the statement, and so the test that
// sent it. TestStatementsFollowChecklist checks the statements of every
// query builder that joins without a server; TestChecklistCatches proves
// each rule finds its construct, in the forms this package used before.

// sqlRule is a construct of SQL text the checklist refuses.
type sqlRule struct {
	name, why string
	// found reports the construct in a statement whose string literals and
	// comments are blanked, upper-cased (blank).
	found func(sql string) bool
}

var sqlRules = []sqlRule{
	{"joined subquery or table function without an alias",
		"current releases refuse it: joined_subquery_requires_alias = 1 by default since 20.x (ClickHouse PR #9274, issue #68202), Code 206 ALIAS_REQUIRED; 18.16 takes `(SELECT …) AS l ANY LEFT JOIN (SELECT …) AS r USING (k)`",
		func(sql string) bool {
			return slices.ContainsFunc(joins(sql), func(j join) bool { return j.unaliased })
		}},
	// ANY LEFT JOIN passes: one right row per left row on both (the legacy
	// setting changes ANY RIGHT, not LEFT), and every right side here is
	// grouped by its key anyway.
	{"ANY INNER JOIN",
		"18.16 keeps every matching left row; current releases one row per key of both sides (any_join_distinct_right_table_keys = 0): use ALL INNER JOIN",
		func(sql string) bool {
			return slices.ContainsFunc(joins(sql), func(j join) bool {
				return j.has("ANY") && !j.has("LEFT") && !j.has("RIGHT") && !j.has("FULL")
			})
		}},
	{"ANY RIGHT or ANY FULL JOIN",
		"what ANY keeps of the right side changed after 18.16 (any_join_distinct_right_table_keys)",
		func(sql string) bool {
			return slices.ContainsFunc(joins(sql), func(j join) bool { return j.has("ANY") && (j.has("RIGHT") || j.has("FULL")) })
		}},
	{"JOIN without ANY or ALL",
		"18.16 refuses a join without strictness (join_default_strictness is empty); current releases take ALL: write it",
		func(sql string) bool {
			return slices.ContainsFunc(joins(sql), func(j join) bool {
				return !j.has("ANY") && !j.has("ALL") && !j.has("CROSS") && !j.has("SEMI") && !j.has("ANTI") && !j.has("ASOF") && !j.has("PASTE")
			})
		}},
	{"SEMI, ANTI, ASOF or PASTE JOIN",
		"not in 18.16",
		func(sql string) bool {
			return slices.ContainsFunc(joins(sql), func(j join) bool { return j.has("SEMI") || j.has("ANTI") || j.has("ASOF") || j.has("PASTE") })
		}},
	{"window function (OVER)", "not in 18.16", matches(`\bOVER\s*\(`)},
	{"common table expression WITH name AS (subquery)", "18.16 has only WITH expression AS name", matches(`\bWITH\s+\w+\s+AS\s*\(`)},
	{"server-side query parameter {name:Type}", "not in 18.16 (the client binds @name itself)", matches(`\{\s*\w+\s*:\s*\w`)},
	{"SETTINGS clause", "settings go with each statement, chosen by the server's version (querySettings), not in its text", matches(`\bSETTINGS\b`)},
	{"ON CLUSTER", "needs ZooKeeper or Keeper; seloste runs DDL on every shard itself", matches(`\bON\s+CLUSTER\b`)},
	{"TTL or CODEC in a table", "not in 18.16", matches(`^\s*(CREATE|ALTER)\b.*(\bTTL\b|\bCODEC\s*\()`)},
	{"column type 18.16 lacks", "LowCardinality, Map, Date32, DateTime64, IPv4/IPv6, Object, JSON, Variant and Dynamic came after 18.16",
		matches(`^\s*(CREATE|ALTER)\b.*\b(LOWCARDINALITY\s*\(|MAP\s*\(|DATE32|DATETIME64|IPV4|IPV6|OBJECT\s*\(|JSON|VARIANT\s*\(|DYNAMIC)\b`)},
	{"lightweight DELETE or UPDATE", "not in 18.16 (22.8 and later): mutations (ALTER TABLE … DELETE) work on both", matches(`^\s*(DELETE\s+FROM|UPDATE)\b`)},
	{"function current releases refuse without an opt-in",
		"runningDifference, runningAccumulate and neighbor need allow_deprecated_error_prone_window_functions on current releases",
		matches(`\b(RUNNINGDIFFERENCE\w*|RUNNINGACCUMULATE|NEIGHBOR)\s*\(`)},
}

// knownSettings are the settings this package may send, with the first
// release that knows each: a server refuses a setting it does not know.
var knownSettings = map[string]serverVersion{
	"join_use_nulls":                {major: 1},
	"max_execution_time":            {major: 1},
	"insert_distributed_sync":       {major: 1},
	"distributed_foreground_insert": {major: 23, minor: 11},
}

// renamedSettings are old names current releases keep as aliases only.
var renamedSettings = map[string]struct {
	to    string
	since serverVersion
}{
	"insert_distributed_sync": {"distributed_foreground_insert", serverVersion{major: 23, minor: 11}},
}

// checkSettings returns the checklist's findings on the settings sent to
// a server of version v.
func checkSettings(settings clickhouse.Settings, v serverVersion) []string {
	var out []string
	if n, ok := settings["join_use_nulls"]; !ok || n != 0 {
		out = append(out, "join_use_nulls not pinned to 0: a user profile with 1 makes an unmatched LEFT JOIN row NULL, not the defaults the reports count with")
	}
	for name := range settings {
		since, known := knownSettings[name]
		switch {
		case !known:
			out = append(out, fmt.Sprintf("setting %s: not in the checklist's table of settings and the first release that knows each", name))
		case !v.atLeast(since.major, since.minor):
			out = append(out, fmt.Sprintf("setting %s: unknown to %s, which refuses the statement", name, v.text))
		}
		if r, ok := renamedSettings[name]; ok && v.atLeast(r.since.major, r.since.minor) {
			out = append(out, fmt.Sprintf("setting %s: an alias of %s on %s", name, r.to, v.text))
		}
	}
	slices.Sort(out)
	return out
}

// checkStatement returns the checklist's findings on a statement sent with
// settings to a server of version v, as one error.
func checkStatement(query string, settings clickhouse.Settings, v serverVersion) error {
	sql := blank(query)
	var found []string
	for _, r := range sqlRules {
		if r.found(sql) {
			found = append(found, r.name+" ("+r.why+")")
		}
	}
	found = append(found, checkSettings(settings, v)...)
	if len(found) == 0 {
		return nil
	}
	return fmt.Errorf("SQL checklist (18.16 and current releases), statement %q: %s", abbreviate(query), strings.Join(found, "; "))
}

// checked counts the statements checked as they were sent.
var checked atomic.Int64

// CheckedStatements is how many statements the package's tests sent,
// each checked against the checklist: a test of the shared suite asserts
// that the check ran.
func CheckedStatements() int64 { return checked.Load() }

func init() {
	statementCheck = func(query string, settings clickhouse.Settings, v serverVersion) error {
		checked.Add(1)
		return checkStatement(query, settings, v)
	}
}

func abbreviate(query string) string {
	q := strings.Join(strings.Fields(query), " ")
	if len(q) > 160 {
		q = q[:160] + "…"
	}
	return q
}

func matches(pattern string) func(string) bool {
	re := regexp.MustCompile(`(?s)` + pattern)
	return re.MatchString
}

// blank returns query with its string literals and comments replaced by
// spaces, upper-cased: what is left is SQL.
func blank(query string) string {
	b := []byte(query)
	fill := func(from, to int) {
		for k := from; k < to && k < len(b); k++ {
			if b[k] != '\n' {
				b[k] = ' '
			}
		}
	}
	for i := 0; i < len(b); i++ {
		switch {
		case b[i] == '\'':
			j := i + 1
			for j < len(b) && b[j] != '\'' {
				if b[j] == '\\' {
					j++
				}
				j++
			}
			fill(i+1, j)
			i = j
		case b[i] == '-' && i+1 < len(b) && b[i+1] == '-':
			j := i
			for j < len(b) && b[j] != '\n' {
				j++
			}
			fill(i, j)
			i = j
		case b[i] == '/' && i+1 < len(b) && b[i+1] == '*':
			j := strings.Index(string(b[i+2:]), "*/")
			end := len(b)
			if j >= 0 {
				end = i + 2 + j + 2
			}
			fill(i, end)
			i = end - 1
		}
	}
	return strings.ToUpper(string(b))
}

// join is a JOIN of a statement: its modifier words, and whether a
// subquery or table function on either side has no alias.
type join struct {
	words     []string
	unaliased bool
}

func (j join) has(word string) bool { return slices.Contains(j.words, word) }

var (
	joinWord      = regexp.MustCompile(`\bJOIN\b`)
	joinModifiers = []string{"GLOBAL", "ANY", "ALL", "INNER", "LEFT", "RIGHT", "FULL", "OUTER", "CROSS", "SEMI", "ANTI", "ASOF", "PASTE", "ARRAY"}
	// notAlias are the words that may follow a table expression that has
	// no alias.
	notAlias = []string{"", "USING", "ON", "WHERE", "PREWHERE", "GROUP", "ORDER", "LIMIT", "HAVING", "UNION", "SETTINGS", "FORMAT", "FINAL", "SAMPLE",
		"GLOBAL", "ANY", "ALL", "INNER", "LEFT", "RIGHT", "FULL", "CROSS", "SEMI", "ANTI", "ASOF", "PASTE", "ARRAY", "JOIN"}
)

// joins lists the joins of sql (blanked); ARRAY JOINs are not joins of
// tables and are left out.
func joins(sql string) []join {
	var out []join
	for _, loc := range joinWord.FindAllStringIndex(sql, -1) {
		var j join
		before := strings.TrimRight(sql[:loc[0]], " \t\n")
		for {
			k := strings.LastIndexFunc(before, func(r rune) bool { return !isWordRune(r) })
			word := before[k+1:]
			if !slices.Contains(joinModifiers, word) || word == "" {
				break
			}
			j.words = append(j.words, word)
			before = strings.TrimRight(before[:k+1], " \t\n")
		}
		if j.has("ARRAY") {
			continue
		}
		// The left side: `… ) [modifiers] JOIN` is a subquery or table
		// function; an alias would stand between.
		if strings.HasSuffix(before, ")") {
			j.unaliased = true
		}
		// The right side.
		after := strings.TrimLeft(sql[loc[1]:], " \t\n")
		if name := firstWord(after); name != "" && strings.HasPrefix(strings.TrimLeft(after[len(name):], " \t\n"), "(") {
			after = strings.TrimLeft(after[len(name):], " \t\n") // a table function
		}
		if strings.HasPrefix(after, "(") {
			rest := strings.TrimLeft(after[closing(after)+1:], " \t\n")
			if slices.Contains(notAlias, firstWord(rest)) {
				j.unaliased = true
			}
		}
		out = append(out, j)
	}
	return out
}

// closing returns the index of the parenthesis that closes s's first
// character, an opening one; len(s)-1 if none does.
func closing(s string) int {
	depth := 0
	for i, r := range s {
		switch r {
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return i
			}
		}
	}
	return len(s) - 1
}

// firstWord is the word s starts with; "" if it starts otherwise.
func firstWord(s string) string {
	if k := strings.IndexFunc(s, func(r rune) bool { return !isWordRune(r) }); k >= 0 {
		return s[:k]
	}
	return s
}

func isWordRune(r rune) bool {
	return r == '_' || r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9'
}

var (
	v1816 = serverVersion{major: 18, minor: 16, text: "18.16.1"}
	v2408 = serverVersion{major: 24, minor: 8, text: "24.8.4.13"}
	v2508 = serverVersion{major: 25, minor: 8, text: "25.8.1.1"}
)

// TestChecklistCatches: every rule finds its construct — in the forms this
// package sent before it kept to the checklist — and passes the forms it
// sends now.
func TestChecklistCatches(t *testing.T) {
	pinned := querySettings(v1816)
	cases := []struct {
		query string
		rule  string // the finding's start; "" none
	}{
		// The joins of report.go, settle.go and visitor.go before.
		{"SELECT * FROM (SELECT visit FROM pageviews GROUP BY visit) ANY LEFT JOIN (SELECT visit, argMin(path, ts) AS src FROM pageviews GROUP BY visit) USING (visit)",
			"joined subquery or table function without an alias"},
		{"SELECT * FROM (SELECT visit FROM pageviews) AS l ANY LEFT JOIN (SELECT visit FROM pageviews) USING (visit)",
			"joined subquery or table function without an alias"},
		{"SELECT * FROM (SELECT visit FROM pageviews) ANY LEFT JOIN (SELECT visit FROM pageviews) AS r USING (visit)",
			"joined subquery or table function without an alias"},
		{"SELECT * FROM numbers(3) ALL INNER JOIN (SELECT number FROM numbers(2)) AS r USING (number)",
			"joined subquery or table function without an alias"},
		{"SELECT h1 FROM (SELECT 1 AS h1) AS l ANY INNER JOIN (SELECT 1 AS h1) AS r USING (h1)", "ANY INNER JOIN"},
		{"SELECT h1 FROM (SELECT 1 AS h1) AS l ANY JOIN (SELECT 1 AS h1) AS r USING (h1)", "ANY INNER JOIN"},
		{"SELECT h1 FROM (SELECT 1 AS h1) AS l INNER ANY JOIN (SELECT 1 AS h1) AS r USING (h1)", "ANY INNER JOIN"},
		{"SELECT h1 FROM (SELECT 1 AS h1) AS l ANY RIGHT JOIN (SELECT 1 AS h1) AS r USING (h1)", "ANY RIGHT or ANY FULL JOIN"},
		{"SELECT h1 FROM (SELECT 1 AS h1) AS l LEFT JOIN (SELECT 1 AS h1) AS r USING (h1)", "JOIN without ANY or ALL"},
		{"SELECT h1 FROM (SELECT 1 AS h1) AS l LEFT SEMI JOIN (SELECT 1 AS h1) AS r USING (h1)", "SEMI, ANTI, ASOF or PASTE JOIN"},
		{"SELECT count() OVER (PARTITION BY visit) FROM pageviews", "window function"},
		{"WITH v AS (SELECT 1) SELECT * FROM v", "common table expression"},
		{"SELECT * FROM pageviews WHERE site = {site:String}", "server-side query parameter"},
		{"SELECT 1 SETTINGS join_use_nulls = 0", "SETTINGS clause"},
		{"CREATE TABLE t ON CLUSTER c (x UInt8) ENGINE = Memory", "ON CLUSTER"},
		{"CREATE TABLE t (ts DateTime CODEC(ZSTD)) ENGINE = MergeTree ORDER BY ts", "TTL or CODEC"},
		{"CREATE TABLE t (path LowCardinality(String)) ENGINE = MergeTree ORDER BY path", "column type 18.16 lacks"},
		{"DELETE FROM pageviews WHERE site = 'x'", "lightweight DELETE or UPDATE"},
		{"SELECT runningDifference(ts) FROM pageviews", "function current releases refuse"},

		// What the package sends now, and what only looks alike.
		{"SELECT * FROM (SELECT visit FROM pageviews) AS vd ANY LEFT JOIN (SELECT visit FROM pageviews) AS vs USING (visit)", ""},
		{"SELECT h1 FROM (SELECT 1 AS h1) lv ALL INNER JOIN (SELECT 1 AS h1) pv USING (h1)", ""},
		{"SELECT k FROM (SELECT 1 AS day) ARRAY JOIN [(1, 'a')] AS kv", ""},
		{"SELECT count() FROM pageviews WHERE path = 'x) ANY INNER JOIN (y' AND device = ''", ""},
		{"ALTER TABLE pageviews DELETE WHERE site = 'JSON' AND has(['a'], pageview_id)", ""},
		{"SELECT toDateTime(@cut) FROM bots WHERE site = @site", ""},
	}
	for _, c := range cases {
		err := checkStatement(c.query, pinned, v1816)
		switch {
		case c.rule == "" && err != nil:
			t.Errorf("%s: %v, want no finding", c.query, err)
		case c.rule != "" && (err == nil || !strings.Contains(err.Error(), ": "+c.rule) && !strings.Contains(err.Error(), "; "+c.rule)):
			t.Errorf("%s: %v, want the finding %q", c.query, err, c.rule)
		}
	}

	// Settings: pinned, and named as the server knows them.
	for _, c := range []struct {
		settings clickhouse.Settings
		v        serverVersion
		want     string // "" none
	}{
		{querySettings(v1816), v1816, ""},
		{querySettings(v2408), v2408, ""},
		{querySettings(v2508), v2508, ""},
		{clickhouse.Settings{"insert_distributed_sync": 1}, v1816, "join_use_nulls not pinned"},
		{clickhouse.Settings{"join_use_nulls": 1}, v1816, "join_use_nulls not pinned"},
		{clickhouse.Settings{"join_use_nulls": 0, "insert_distributed_sync": 1}, v2408, "an alias of distributed_foreground_insert"},
		{clickhouse.Settings{"join_use_nulls": 0, "distributed_foreground_insert": 1}, v1816, "unknown to 18.16.1"},
		{clickhouse.Settings{"join_use_nulls": 0, "joined_subquery_requires_alias": 0}, v2408, "not in the checklist's table"},
	} {
		got := strings.Join(checkSettings(c.settings, c.v), "; ")
		if c.want == "" && got != "" || !strings.Contains(got, c.want) {
			t.Errorf("settings %v on %s: %q, want %q", c.settings, c.v.text, got, c.want)
		}
	}
}

// TestStatementsFollowChecklist checks, with no server, the statements of
// every query builder that joins (report.go, settle.go, visitor.go) for
// every shape of report (filters of each kind, a goal, hourly), on one
// server and on a cluster, and the schema's statements, with the settings
// of 18.16 and of current releases.
func TestStatementsFollowChecklist(t *testing.T) {
	day := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	queries := []analytics.Query{
		{Site: "example.fi", From: day, To: day.AddDate(0, 0, 6), Zone: time.UTC},
		{Site: "example.fi", From: day, To: day, Zone: time.UTC, Interval: analytics.Hour},
		{Site: "example.fi", From: day, To: day, Zone: time.UTC, Filters: []analytics.Filter{{Dim: analytics.DimPage, Value: "/"}, {Dim: analytics.DimCountry, Value: "FI"}}},
		{Site: "example.fi", From: day, To: day, Zone: time.UTC, Filters: []analytics.Filter{{Dim: analytics.DimEntryPage, Value: "/"}}},
		{Site: "example.fi", From: day, To: day, Zone: time.UTC, Filters: []analytics.Filter{{Dim: analytics.DimChannel, Value: analytics.ChannelDirect}, {Dim: analytics.DimReferrer, Value: "example.com"}}},
		{Site: "example.fi", From: day, To: day, Zone: time.UTC, Goal: "signup"},
	}
	var statements []string
	for _, cluster := range []string{"", "seloste"} {
		s := &Store{cfg: Config{Cluster: cluster}, pageviews: "pageviews", leaves: "leaves", bots: "bots", rollups: "rollups"}
		if cluster != "" {
			s.pageviews, s.leaves, s.bots, s.rollups = distributed("pageviews"), distributed("leaves"), distributed("bots"), distributed("rollups")
		}
		for _, q := range queries {
			c := s.newCounter(q, nil, q.From.AddDate(0, 0, -7), day.AddDate(0, 1, 0), q.Interval == analytics.Hour)
			c.flagDays = map[time.Time]bool{} // so that countsQuery writes the settled days' query too
			for _, views := range []string{c.views, c.viewsSettled} {
				for _, flagged := range []bool{false, true} {
					statements = append(statements, c.countsQuery(views, "AND (toUInt16(day), visit) IN "+passingTable, "AND (toUInt16(day), visit) IN goal_visits", flagged))
				}
			}
			if c.candidatesSQL != "" {
				statements = append(statements, c.candidatesSQL)
			}
		}
		statements = append(statements,
			fmt.Sprintf(otherSQL, s.pageviews, s.bots), fmt.Sprintf(rollupsSQL, s.rollups),
			fmt.Sprintf(settleSQL, settlingTable, "ts, site, duration_ms, scroll_pct", "ts, site, "+settledDuration+", "+settledScroll, s.leaves),
			fmt.Sprintf(flagsSQL, settlingTable, "ts, site, pageview_id, flags", "ts, site, pageview_id, "+flagsExpr, unflaggedTable),
			visitorPageViewsSQL(s.pageviews, s.leaves),
			"SELECT count() FROM leaves WHERE ts >= toDateTime(@from) AND ts < toDateTime(@end) AND "+claimed(s.pageviews))
	}
	for _, m := range migrations {
		statements = append(statements, m...)
	}
	joined := 0
	for _, q := range statements {
		joined += len(joins(blank(q)))
		for _, v := range []serverVersion{v1816, v2408, v2508} {
			if err := checkStatement(q, querySettings(v), v); err != nil {
				t.Errorf("%s: %v", v.text, err)
			}
		}
	}
	// Every join of the builders was seen: the checks above did look.
	if joined < len(queries)*2*2*2 {
		t.Errorf("%d joins in %d statements: the builders' joins were not all seen", joined, len(statements))
	}
}

// TestConfigRoots: the server configuration the docs show has the
// <clickhouse> root current releases document (18.16.1 merges a config.d
// file of that root into its <yandex> config.xml too).
func TestConfigRoots(t *testing.T) {
	doc, err := os.ReadFile("../../docs/clickhouse.md")
	if errors.Is(err, os.ErrNotExist) {
		t.Skip("docs/clickhouse.md is not beside the package (a copy of the package alone)")
	}
	if err != nil {
		t.Fatal(err)
	}
	blocks := regexp.MustCompile("(?s)```xml\n(.*?)```").FindAllStringSubmatch(string(doc), -1)
	if len(blocks) == 0 {
		t.Fatal("docs/clickhouse.md shows no XML configuration")
	}
	for _, b := range blocks {
		body := strings.TrimSpace(b[1])
		if !strings.HasPrefix(body, "<clickhouse>") || !strings.HasSuffix(body, "</clickhouse>") {
			t.Errorf("docs/clickhouse.md: an XML example without the <clickhouse> root:\n%s", body)
		}
	}
}
