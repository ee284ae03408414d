package main

import (
	"bufio"
	"fmt"
	"io"
	"reflect"
	"strings"
)

// writeConfigReference writes the configuration reference of
// docs/configuration.md from serveConfig's declaration: one row per
// setting (key, flag, default, meaning), then the keys of each table of the
// file. TestConfigReference keeps the page equal to it.
func writeConfigReference(w io.Writer) error {
	bw := bufio.NewWriter(w)
	var cfg serveConfig
	settings := serveSettings(&cfg)

	fmt.Fprintln(bw, "| Key | Flag | Default | Meaning |")
	fmt.Fprintln(bw, "|---|---|---|---|")
	for _, s := range settings {
		if s.noFlag {
			continue
		}
		key := "`" + s.key + "`"
		if isTables(s.field.Type()) {
			key = "`[[" + s.key + "]]`"
		}
		fmt.Fprintf(bw, "| %s | `-%s` | %s | %s |\n", key, s.flag, defaultCell(s), docText(s.help))
	}

	for _, s := range settings {
		if !isTable(s.field.Type()) {
			continue
		}
		name := "[" + s.key + "]"
		if isTables(s.field.Type()) {
			name = "[" + name + "]"
		}
		fmt.Fprintf(bw, "\n### %s\n\n", name)
		intro, ok := tableKeyHelp[s.key]
		if !ok {
			return fmt.Errorf("config reference: the table %s has no introduction in tableKeyHelp: add one", name)
		}
		fmt.Fprintf(bw, "%s\n\n", intro)
		fmt.Fprintln(bw, "| Key | Type | Meaning |")
		fmt.Fprintln(bw, "|---|---|---|")
		elem := tableType(s.field.Type())
		for _, f := range reflect.VisibleFields(elem) {
			key := f.Tag.Get("toml")
			if key == "" || key == "-" {
				continue
			}
			meaning, ok := tableKeyHelp[s.key+"."+key]
			if !ok {
				return fmt.Errorf("config reference: the key %q of %s (%s.%s) has no meaning in tableKeyHelp: add one", key, name, elem.Name(), f.Name)
			}
			fmt.Fprintf(bw, "| `%s` | %s | %s |\n", key, typeName(f.Type), strings.ReplaceAll(meaning, "|", `\|`))
		}
	}
	if stale := staleTableKeys(settings); len(stale) > 0 {
		return fmt.Errorf("config reference: tableKeyHelp describes keys no table has: %s: remove them", strings.Join(stale, ", "))
	}
	return bw.Flush()
}

// tableKeyHelp introduces each table of the file ("site") and says what
// each of its keys ("site.domain") means, in Markdown
// (patterns in backticks, so that "**" is not read as emphasis). The keys
// themselves come from the tables' structs, so a key added there without a
// line here, or a line left here for a removed key, fails the reference.
var tableKeyHelp = map[string]string{
	"site":                  "A tracked site, one table each. The flag `-site DOMAIN` (repeatable) names domains only: it replaces the file's list, and a domain the file lists keeps its origins and exclusions.",
	"event":                 "A custom event the collector may store. It is stored only once the published statement describes it: `seloste notice new` writes it into the next version's list of collected data (see [Events, goals and funnels](events.md)).",
	"goal":                  "A conversion goal, counted in reports: an event goal (`event`, optionally `props`) or a page goal (`page`).",
	"funnel":                "A funnel: the visitors of visit-days that went through its steps in order.",
	"smtp":                  "The SMTP server that sends email reports and alerts ([Email reports and alerts](email.md)). Without `host`, no mail is sent.",
	"smtp.host":             "the server's name, e.g. `smtp.example.fi`",
	"smtp.port":             "its port; 0: 587 with `starttls`, 465 with `tls`, 25 with `none`",
	"smtp.security":         "`starttls` (the default: plain text upgraded at once, required), `tls` (TLS from the first byte) or `none` (only to a server on this machine: `localhost`, `127.0.0.1`, `::1`)",
	"smtp.user":             "the login name; empty: no login",
	"smtp.password_file":    "a file whose first line is the password (readable by seloste only); the password is never written in this file",
	"smtp.password_env":     "or the environment variable that holds the password, e.g. `SELOSTE_SMTP_PASSWORD`",
	"smtp.from":             "the sender, e.g. `Seloste <seloste@example.fi>`",
	"reports":               "When the weekly and monthly email reports are made, and where their link leads.",
	"reports.hour":          "the hour of the day (0–23, in `zone`) from which Monday's weekly and the 1st's monthly reports are sent; default 7",
	"reports.dashboard_url": "the dashboard's address as people open it, e.g. `https://tilastot.example.fi/dashboard`; empty: the reports have no link",
	"reports.spool":         "the folder of messages waiting to be sent and of what was sent; default: `seloste.mail` next to the database",
	"alerts":                "When a site's traffic alerts its admins. A usual level is the median page views of the same hour on the same weekday of the previous `weeks` weeks; see [Email reports and alerts](email.md).",
	"alerts.off":            "`true`: no alerts",
	"alerts.drop_share":     "a drop: the last `drop_hours` complete hours each had at most this share of their usual level; 0 (the default): none at all",
	"alerts.drop_hours":     "how many complete hours in a row; 0: 2",
	"alerts.spike_factor":   "a spike: the last complete hour had more than this many times its usual level; 0: 5",
	"alerts.spike_min":      "and at least this many page views; 0: 50",
	"alerts.min_usual":      "an hour usually has traffic when its usual level is at least this; only such hours make a drop; 0: 5",
	"alerts.weeks":          "weeks the usual level is taken from (1–12); 0: 4",
	"recipient":             "A person who gets email: the weekly or monthly report of the sites they see, and, as an admin, the sites' alerts.",
	"recipient.name":        "the person's name",
	"recipient.email":       "their address",
	"recipient.lang":        "the language of their mail: `fi` (the default), `sv` or `en`",
	"recipient.sites":       "the sites they get mail about; empty: every site",
	"recipient.admin":       "`true`: they get the sites' alerts",
	"recipient.weekly":      "`true`: the weekly report, on Mondays, of the week before",
	"recipient.monthly":     "`true`: the monthly report, on the 1st, of the month before",
	"site.domain":           "the site's domain, e.g. `example.fi`; its pages and `Origin` may also be on `www.` + the domain",
	"site.origins":          "more hosts allowed to send events for this site, e.g. `example.com`",
	"site.exclude_ips":      "addresses or CIDR prefixes (as the collector sees them, after `trust_proxy`) whose events are answered 202 and not stored",
	"site.exclude_paths":    "pages not counted: `**` last matches anything below, `*` one path segment, e.g. `/admin/**`",
	"site.consent":          "this site's own terms, `required` or `exempt`, when they differ from the top-level `consent`",
	"event.name":            "the event's name as the page sends it, e.g. `Yhteydenotto` (at most 120 characters; not an automatic event's name)",
	"event.props":           "the names of the properties it may carry (at most 10)",
	"event.description_fi":  "what the event tells, in Finnish, for the statement's list of collected data (required)",
	"event.description_sv":  "the same in Swedish (optional: the Swedish list then gives the English text, and `seloste notice check` warns)",
	"event.description_en":  "the same in English (required)",
	"goal.name":             "the goal's name in reports, in `-goal` and `goal=` filters and in funnel steps",
	"goal.event":            "an event goal: the event that converts, declared in `[[event]]` or switched on in `auto_events`",
	"goal.props":            "optional, with event: the property values that convert, e.g. `{ lomake = \"tarjous\" }`",
	"goal.page":             "a page goal: the page that converts, `*` one path segment, `**` any number, e.g. `/tilaus/*/kiitos`; give event or page, not both",
	"funnel.name":           "the funnel's name in reports",
	"funnel.steps":          "pages (with `*` and `**`) or goal names, in the order a visit goes through them, e.g. `[\"/hinnasto\", \"/tilaus/**\", \"Tilaus valmis\"]`",
}

// staleTableKeys are the entries of tableKeyHelp that no table declares.
func staleTableKeys(settings []setting) []string {
	declared := map[string]bool{}
	for _, s := range settings {
		if !isTable(s.field.Type()) {
			continue
		}
		declared[s.key] = true
		for _, f := range reflect.VisibleFields(tableType(s.field.Type())) {
			declared[s.key+"."+f.Tag.Get("toml")] = true
		}
	}
	var stale []string
	for k := range tableKeyHelp {
		if !declared[k] {
			stale = append(stale, k)
		}
	}
	return stale
}

// isTable reports whether t is a TOML table ([key]) or a list of them
// ([[key]]).
func isTable(t reflect.Type) bool { return t.Kind() == reflect.Struct || isTables(t) }

// isTables reports whether t is a list of TOML tables ([[key]]).
func isTables(t reflect.Type) bool {
	return t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Struct
}

// tableType is the struct of a table's keys.
func tableType(t reflect.Type) reflect.Type {
	if t.Kind() == reflect.Slice {
		return t.Elem()
	}
	return t
}

// defaultCell is a setting's default as it would be written in the file.
func defaultCell(s setting) string {
	t := s.field.Type()
	switch {
	case isTable(t):
		return "none"
	case t.Kind() == reflect.Slice:
		return "`[]`"
	case t.Kind() == reflect.String:
		return "`\"" + s.def + "\"`"
	case s.def != "":
		return "`" + s.def + "`"
	}
	return "`" + fmt.Sprint(reflect.Zero(t).Interface()) + "`"
}

// typeName names a table key's TOML type.
func typeName(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Slice:
		return "list of " + typeName(t.Elem()) + "s"
	case reflect.Map:
		return "table of " + typeName(t.Elem()) + "s"
	case reflect.Int, reflect.Int64:
		return "integer"
	case reflect.Float64:
		return "number"
	case reflect.Bool:
		return "boolean"
	}
	return t.String()
}

// docText is a help text for a Markdown table cell: without the backticks
// that name a flag's argument in -h, and with its pipes escaped.
func docText(help string) string {
	return strings.NewReplacer("`", "", "|", `\|`).Replace(help)
}
