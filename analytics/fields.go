package analytics

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Field describes one kind of data the collector stores. The registry is the
// single source of truth: the storage engines' schemas are tested against it,
// and the privacy statement's list of collected data is generated from it,
// so the statement and the collector cannot drift apart.
type Field struct {
	Name    string   // stable identifier
	Columns []string // storage columns that hold it, "table.column"; each column in exactly one field
	Label   string   // short Finnish name: the bold start of the statement's bullet
	FI, EN  string   // what it is, for the statement
	Purpose string   // why it is kept, in Finnish
	// Retention is how long it is kept, in Finnish, when that is not the
	// configured retention period of page-view data (the salts).
	Retention string
}

// Fields lists every stored field, in the order the statement presents them.
// Retention is the configured retention period for all page-view data; the
// salts are the exception and say so.
var Fields = []Field{
	{
		Name: "time", Columns: []string{"pageviews.ts", "leaves.ts"},
		Label:   "Ajankohta",
		FI:      "sivulatauksen ajankohta sekunnin tarkkuudella (UTC)",
		EN:      "time of the page load, to the second (UTC)",
		Purpose: "kävijämäärien laskeminen ajan mukaan",
	},
	{
		Name: "site", Columns: []string{"pageviews.site", "leaves.site"},
		Label:   "Sivusto",
		FI:      "sivusto, jolla vierailtiin",
		EN:      "the website visited",
		Purpose: "tilastojen erottaminen sivustoittain",
	},
	{
		Name: "visitor", Columns: []string{"pageviews.visitor"},
		Label:   "Vierailijan tunniste",
		FI:      "IP-osoitteesta, selaimen tunnisteesta ja sivustosta päivittäin vaihtuvalla satunnaisella suolalla laskettu tiiviste, joka yksilöi vierailijan saman päivän ajan ja josta IP-osoitetta ei voi palauttaa; sama vierailija saa seuraavana päivänä eri tunnisteen",
		EN:      "pseudonymous visitor id: a keyed hash of the IP address, the browser's User-Agent and the site with a random salt that changes daily; the IP address cannot be recovered from it and the same visitor gets a different id the next day",
		Purpose: "yksilöllisten kävijöiden laskeminen päivittäin",
	},
	{
		Name: "visit", Columns: []string{"pageviews.visit"},
		Label:   "Vierailuhistoria",
		FI:      "saman vierailijan alle 30 minuutin välein ladatut sivut yhdistävä vierailun numero, josta näkyvät vierailun ensimmäinen ja viimeinen sivu",
		EN:      "visit history: a visit number joining one visitor's page loads less than 30 minutes apart, giving the visit's first and last page",
		Purpose: "vierailujen sekä sisääntulo- ja poistumissivujen laskeminen",
	},
	{
		Name: "pageview", Columns: []string{"pageviews.pageview_id", "leaves.pageview_id"},
		Label:   "Sivulatauksen tunniste",
		FI:      "sivulatauksen satunnainen tunniste, jolla vierailun kesto liitetään oikeaan sivulataukseen",
		EN:      "a random id of the page load, linking the visible duration to it",
		Purpose: "vierailun keston liittäminen sivulataukseen",
	},
	{
		Name: "page", Columns: []string{"pageviews.path", "pageviews.utm_source", "pageviews.utm_medium", "pageviews.utm_campaign", "pageviews.utm_term", "pageviews.utm_content"},
		Label:   "Vierailtu sivu",
		FI:      "osoitteen polku ilman kyselyparametreja, paitsi kampanjaparametrit utm_source, utm_medium, utm_campaign, utm_term ja utm_content",
		EN:      "the page visited (URL path without query parameters, except the campaign parameters utm_*)",
		Purpose: "suosituimpien sivujen ja kampanjoiden tilastointi",
	},
	{
		Name: "referrer", Columns: []string{"pageviews.referrer_host"},
		Label:   "Edellinen sivusto",
		FI:      "edellisen sivuston verkkotunnus, jos sivulle tultiin toiselta sivustolta (ei koko osoitetta)",
		EN:      "the referring site's host name when the visitor came from another site (not the full address)",
		Purpose: "liikenteen lähteiden tilastointi",
	},
	{
		Name: "location", Columns: []string{"pageviews.country", "pageviews.region", "pageviews.city"},
		Label:   "Arvioitu sijainti",
		FI:      "maa, alue ja kaupunki, päätelty IP-osoitteesta sivulatauksen hetkellä; IP-osoitetta ei tallenneta",
		EN:      "estimated location (country, region, city), derived from the IP address at the time of the page load; the IP address is not stored",
		Purpose: "kävijöiden maantieteellinen tilastointi",
	},
	{
		Name: "browser", Columns: []string{"pageviews.browser", "pageviews.browser_version", "pageviews.os", "pageviews.device"},
		Label:   "Selain",
		FI:      "selain ja sen pääversio, käyttöjärjestelmä ja laitetyyppi (tietokone, puhelin, tabletti); selaimen koko tunnistetta ei tallenneta",
		EN:      "browser and its major version, operating system and device type (desktop, mobile, tablet); the full User-Agent is not stored",
		Purpose: "sivuston toimivuuden varmistaminen eri laitteilla",
	},
	{
		Name: "duration", Columns: []string{"leaves.duration_ms", "pageviews.duration_ms"},
		Label:   "Vierailun kesto",
		FI:      "aika, jonka sivu oli näkyvissä selaimessa",
		EN:      "visit duration: the time the page was visible in the browser",
		Purpose: "sisällön kiinnostavuuden arviointi",
	},
	{
		Name: "bot", Columns: []string{"bots.ts", "bots.site"},
		Label:   "Robottien käynnit",
		FI:      "hakurobottien ja muiden ohjelmien käynneistä tallennetaan vain ajankohta ja sivusto",
		EN:      "visits by crawlers and programs are only counted, as a time and a site",
		Purpose: "robottiliikenteen erottaminen kävijätilastoista",
	},
	{
		Name: "salt", Columns: []string{"salts.day", "salts.salt"},
		Label:     "Päivän suola",
		FI:        "vierailijan tunnisteen laskemiseen käytetty päiväkohtainen satunnainen luku",
		EN:        "the daily random salt of the visitor id, deleted at most 48 hours after its day ends",
		Purpose:   "vierailijan tunnisteen laskeminen ilman pysyvää tunnistetta",
		Retention: "poistetaan viimeistään 48 tunnin kuluttua päivän päättymisestä",
	},
}

// Columns is every storage column of the registry, "table.column".
func Columns() []string {
	var out []string
	for _, f := range Fields {
		out = append(out, f.Columns...)
	}
	return out
}

// FieldBullet is a field's line in the statement's list of collected data
// (Markdown, without the list marker).
func FieldBullet(f Field) string {
	s := "**" + f.Label + ":** " + f.FI + "; käyttötarkoitus: " + f.Purpose
	if f.Retention != "" {
		s += "; " + f.Retention
	}
	return s + "."
}

// Retention is how long page-view data is kept: a calendar period, because
// "3 vuotta" in the statement means three calendar years, not 3×365 days.
type Retention struct {
	Years, Months, Days int
}

// DefaultRetention is what the statement has always promised.
var DefaultRetention = Retention{Years: 3}

// ParseRetention parses a period such as 3y, 18mo, 8w or 90d.
func ParseRetention(s string) (Retention, error) {
	orig := s
	s = strings.TrimSpace(strings.ToLower(s))
	unit := ""
	for _, u := range []string{"mo", "y", "w", "d"} {
		if strings.HasSuffix(s, u) {
			unit, s = u, strings.TrimSuffix(s, u)
			break
		}
	}
	n, err := strconv.Atoi(s)
	if unit == "" || err != nil || n < 1 || n > 100*366 {
		return Retention{}, fmt.Errorf("retention %q: want a period such as 3y, 18mo, 8w or 90d", orig)
	}
	switch unit {
	case "y":
		return Retention{Years: n}, nil
	case "mo":
		return Retention{Months: n}, nil
	case "w":
		return Retention{Days: 7 * n}, nil
	}
	return Retention{Days: n}, nil
}

// Cutoff is the oldest time kept at now.
func (r Retention) Cutoff(now time.Time) time.Time {
	return now.UTC().AddDate(-r.Years, -r.Months, -r.Days)
}

// Equal reports whether r and o keep data equally long: 36mo is 3y.
func (r Retention) Equal(o Retention) bool {
	return r.Years*12+r.Months == o.Years*12+o.Months && r.Days == o.Days
}

// String is the short form ParseRetention reads: "3y", "18mo", "90d".
func (r Retention) String() string {
	switch {
	case r.Months == 0 && r.Days == 0:
		return strconv.Itoa(r.Years) + "y"
	case r.Years == 0 && r.Days == 0:
		return strconv.Itoa(r.Months) + "mo"
	case r.Years == 0 && r.Months == 0 && r.Days%7 == 0:
		return strconv.Itoa(r.Days/7) + "w"
	case r.Years == 0 && r.Months == 0:
		return strconv.Itoa(r.Days) + "d"
	}
	return fmt.Sprintf("%dy%dmo%dd", r.Years, r.Months, r.Days) // not produced by ParseRetention
}

// Finnish is the period as the statement says it, in the partitive that
// follows "säilytetään": "3 vuotta", "vuoden", "18 kuukautta", "90 päivää".
func (r Retention) Finnish() string {
	var parts []string
	add := func(n int, one, many string) {
		switch {
		case n == 1:
			parts = append(parts, one)
		case n > 1:
			parts = append(parts, strconv.Itoa(n)+" "+many)
		}
	}
	add(r.Years, "vuoden", "vuotta")
	add(r.Months, "kuukauden", "kuukautta")
	if r.Days%7 == 0 && r.Days > 0 {
		add(r.Days/7, "viikon", "viikkoa")
	} else {
		add(r.Days, "päivän", "päivää")
	}
	return strings.Join(parts, " ja ")
}

// RetentionSentence is the statement's sentence on how long page-view data
// is kept.
func RetentionSentence(r Retention) string {
	return "Sivuvierailutiedot säilytetään " + r.Finnish() + ", minkä jälkeen ne poistetaan automaattisesti."
}
