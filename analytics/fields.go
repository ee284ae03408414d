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
	FI      string   // what it is, in Finnish, for the statement
	Purpose string   // why it is kept, in Finnish
	// Retention is how long it is kept, in Finnish, when that is not the
	// configured retention period of page-view data (the salts).
	Retention string
	// SV and EN are the same texts for the statement's Swedish and English
	// translations: their lists are generated from the registry too.
	SV, EN FieldText
	// Gated marks data stored only once the published statement describes
	// it: an import's, and measurements added after statements were
	// published (scroll depth). A statement that does not describe it is
	// not wrong while none is stored, so notice check warns; what would
	// store it refuses (seloste import) or leaves it out (the collector)
	// until a version that describes it is published.
	Gated bool
	// SVFromEN says that SV repeats the English text: a configured event
	// without a Swedish description.
	SVFromEN bool
}

// FieldText is a field's entry in the statement in one language.
type FieldText struct {
	Label, What, Purpose string
	Retention            string // as Field.Retention: "" for the configured period
}

// Fields lists every stored field, in the order the statement presents them.
// Retention is the configured retention period for all page-view data; the
// salts are the exception and say so.
var Fields = []Field{
	{
		Name: "time", Columns: []string{"pageviews.ts", "leaves.ts"},
		Label:   "Ajankohta",
		FI:      "sivulatauksen ajankohta sekunnin tarkkuudella (UTC)",
		Purpose: "kävijämäärien laskeminen ajan mukaan",
		SV:      FieldText{Label: "Tidpunkt", What: "tidpunkten för sidladdningen på sekunden när (UTC)", Purpose: "beräkning av antalet besökare över tid"},
		EN:      FieldText{Label: "Time", What: "the time of the page load, to the second (UTC)", Purpose: "counting visitors over time"},
	},
	{
		Name: "site", Columns: []string{"pageviews.site", "leaves.site"},
		Label:   "Sivusto",
		FI:      "sivusto, jolla vierailtiin",
		Purpose: "tilastojen erottaminen sivustoittain",
		SV:      FieldText{Label: "Webbplats", What: "den webbplats som besöktes", Purpose: "att hålla isär statistiken för olika webbplatser"},
		EN:      FieldText{Label: "Website", What: "the website visited", Purpose: "keeping the statistics of each website apart"},
	},
	{
		Name: "visitor", Columns: []string{"pageviews.visitor"},
		Label:   "Vierailijan tunniste",
		FI:      "IP-osoitteesta, selaimen tunnisteesta ja sivustosta päivittäin vaihtuvalla satunnaisella suolalla laskettu tiiviste, joka yksilöi vierailijan saman päivän ajan ja josta IP-osoitetta ei voi palauttaa; sama vierailija saa seuraavana päivänä eri tunnisteen",
		Purpose: "yksilöllisten kävijöiden laskeminen päivittäin",
		SV: FieldText{Label: "Besökarens identifierare",
			What:    "en hashsumma som beräknas ur IP-adressen, webbläsarens identifierare och webbplatsen med ett slumpmässigt salt som byts dagligen; den särskiljer besökaren under samma dag och IP-adressen kan inte återskapas ur den; samma besökare får en annan identifierare nästa dag",
			Purpose: "beräkning av antalet unika besökare per dag"},
		EN: FieldText{Label: "Visitor identifier",
			What:    "a hash computed from the IP address, the browser's identifier and the website with a random salt that changes daily; it tells visitors apart for one day and the IP address cannot be recovered from it; the same visitor gets a different identifier the next day",
			Purpose: "counting unique visitors per day"},
	},
	{
		Name: "visit", Columns: []string{"pageviews.visit"},
		Label:   "Vierailuhistoria",
		FI:      "saman vierailijan alle 30 minuutin välein ladatut sivut yhdistävä vierailun numero, josta näkyvät vierailun ensimmäinen ja viimeinen sivu",
		Purpose: "vierailujen sekä sisääntulo- ja poistumissivujen laskeminen",
		SV: FieldText{Label: "Besökshistorik",
			What:    "ett besöksnummer som förenar de sidor som samma besökare har laddat med mindre än 30 minuters mellanrum och som visar besökets första och sista sida",
			Purpose: "beräkning av besök samt av ingångs- och utgångssidor"},
		EN: FieldText{Label: "Visit history",
			What:    "a visit number joining the pages one visitor loaded less than 30 minutes apart, showing the visit's first and last page",
			Purpose: "counting visits and entry and exit pages"},
	},
	{
		Name: "pageview", Columns: []string{"pageviews.pageview_id", "leaves.pageview_id"},
		Label:   "Sivulatauksen tunniste",
		FI:      "sivulatauksen satunnainen tunniste, jolla vierailun kesto liitetään oikeaan sivulataukseen",
		Purpose: "vierailun keston liittäminen sivulataukseen",
		SV: FieldText{Label: "Sidladdningens identifierare",
			What:    "en slumpmässig identifierare för sidladdningen, med vilken besökets längd kopplas till rätt sidladdning",
			Purpose: "att koppla besökets längd till sidladdningen"},
		EN: FieldText{Label: "Page load identifier",
			What:    "a random identifier of the page load, used to link the visit duration to the right page load",
			Purpose: "linking the visit duration to the page load"},
	},
	{
		Name: "page", Columns: []string{"pageviews.path", "pageviews.utm_source", "pageviews.utm_medium", "pageviews.utm_campaign", "pageviews.utm_term", "pageviews.utm_content"},
		Label:   "Vierailtu sivu",
		FI:      "osoitteen polku ilman kyselyparametreja, paitsi kampanjaparametrit utm_source, utm_medium, utm_campaign, utm_term ja utm_content",
		Purpose: "suosituimpien sivujen ja kampanjoiden tilastointi",
		SV: FieldText{Label: "Besökt sida",
			What:    "adressens sökväg utan frågeparametrar, förutom kampanjparametrarna utm_source, utm_medium, utm_campaign, utm_term och utm_content",
			Purpose: "statistik över de mest besökta sidorna och kampanjerna"},
		EN: FieldText{Label: "Page visited",
			What:    "the path of the address without query parameters, except the campaign parameters utm_source, utm_medium, utm_campaign, utm_term and utm_content",
			Purpose: "statistics of the most visited pages and campaigns"},
	},
	{
		// Part of pageviews.path when the tracker's data-hash is on: kept
		// only once the published statement says so (HashRouteField).
		Name:    HashRouteField,
		Gated:   true,
		Label:   "Sovelluksen näkymä",
		FI:      "sivuilla, jotka vaihtavat näkymää osoitteen #/-alkuisella osalla, tämä osa ilman kyselyparametreja osana vierailtua sivua",
		Purpose: "sovellusmaisten sivustojen tilastointi näkymittäin",
		SV: FieldText{Label: "Applikationens vy",
			What:    "på sidor som byter vy med en del av adressen som börjar med #/, denna del utan frågeparametrar som en del av den besökta sidan",
			Purpose: "statistik per vy för applikationsliknande webbplatser"},
		EN: FieldText{Label: "App view",
			What:    "on pages that change their view with a part of the address beginning with #/, that part without query parameters, as part of the page visited",
			Purpose: "statistics per view for app-like websites"},
	},
	{
		Name: "referrer", Columns: []string{"pageviews.referrer_host"},
		Label:   "Edellinen sivusto",
		FI:      "edellisen sivuston verkkotunnus, jos sivulle tultiin toiselta sivustolta (ei koko osoitetta)",
		Purpose: "liikenteen lähteiden tilastointi",
		SV: FieldText{Label: "Föregående webbplats",
			What:    "domännamnet för den föregående webbplatsen, om besökaren kom till sidan från en annan webbplats (inte hela adressen)",
			Purpose: "statistik över trafikkällor"},
		EN: FieldText{Label: "Previous website",
			What:    "the domain name of the previous website, if the visitor came to the page from another website (not the full address)",
			Purpose: "statistics of traffic sources"},
	},
	{
		Name: "location", Columns: []string{"pageviews.country", "pageviews.region", "pageviews.city"},
		Label:   "Arvioitu sijainti",
		FI:      "maa, alue ja kaupunki, päätelty IP-osoitteesta sivulatauksen hetkellä; IP-osoitetta ei tallenneta",
		Purpose: "kävijöiden maantieteellinen tilastointi",
		SV: FieldText{Label: "Uppskattad plats",
			What:    "land, region och stad, härledda ur IP-adressen vid tidpunkten för sidladdningen; IP-adressen sparas inte",
			Purpose: "geografisk statistik över besökarna"},
		EN: FieldText{Label: "Estimated location",
			What:    "country, region and city, derived from the IP address at the time of the page load; the IP address is not stored",
			Purpose: "geographical statistics of visitors"},
	},
	{
		Name: "browser", Columns: []string{"pageviews.browser", "pageviews.browser_version", "pageviews.os", "pageviews.device"},
		Label:   "Selain",
		FI:      "selain ja sen pääversio, käyttöjärjestelmä ja laitetyyppi (tietokone, puhelin, tabletti); selaimen koko tunnistetta ei tallenneta",
		Purpose: "sivuston toimivuuden varmistaminen eri laitteilla",
		SV: FieldText{Label: "Webbläsare",
			What:    "webbläsaren och dess huvudversion, operativsystemet och enhetstypen (dator, telefon, surfplatta); webbläsarens fullständiga identifierare sparas inte",
			Purpose: "att säkerställa att webbplatsen fungerar på olika enheter"},
		EN: FieldText{Label: "Browser",
			What:    "the browser and its major version, the operating system and the device type (computer, phone, tablet); the browser's full identifier is not stored",
			Purpose: "making sure the website works on different devices"},
	},
	{
		Name: "duration", Columns: []string{"leaves.duration_ms", "pageviews.duration_ms"},
		Label:   "Vierailun kesto",
		FI:      "aika, jonka sivu oli näkyvissä selaimessa",
		Purpose: "sisällön kiinnostavuuden arviointi",
		SV:      FieldText{Label: "Besökets längd", What: "den tid som sidan var synlig i webbläsaren", Purpose: "bedömning av hur intressant innehållet är"},
		EN:      FieldText{Label: "Visit duration", What: "the time the page was visible in the browser", Purpose: "assessing how interesting the content is"},
	},
	{
		// Added after statements were published: collected only once the
		// published statement says so (ScrollField).
		Name: ScrollField, Columns: []string{"leaves.scroll_pct", "pageviews.scroll_pct"},
		Gated:   true,
		Label:   "Vierityssyvyys",
		FI:      "kuinka suuri osa sivusta on enimmillään ollut näkyvissä, prosentteina",
		Purpose: "sen arviointi, luetaanko sivut loppuun asti",
		SV:      FieldText{Label: "Skrollningsdjup", What: "den största andel av sidan som har varit synlig, i procent", Purpose: "att bedöma om sidorna läses till slutet"},
		EN:      FieldText{Label: "Scroll depth", What: "the largest share of the page that has been in view, in percent", Purpose: "assessing whether pages are read to the end"},
	},
	{
		Name: "bot", Columns: []string{"bots.ts", "bots.site"},
		Label:   "Robottien käynnit",
		FI:      "hakurobottien ja muiden ohjelmien käynneistä tallennetaan vain ajankohta ja sivusto",
		Purpose: "robottiliikenteen erottaminen kävijätilastoista",
		SV: FieldText{Label: "Robotars besök",
			What:    "om besök av sökrobotar och andra program sparas endast tidpunkten och webbplatsen",
			Purpose: "att skilja robottrafik från besöksstatistiken"},
		EN: FieldText{Label: "Visits by bots",
			What:    "of visits by search engine crawlers and other programs, only the time and the website are stored",
			Purpose: "separating bot traffic from the visitor statistics"},
	},
	{
		// Counts of the consent banner (ConsentCount), per site and day:
		// kept only once the published statement says so, as it came after
		// statements were published.
		Name: ConsentField, Columns: []string{"consent.day", "consent.site", "consent.shown", "consent.accepted", "consent.declined"},
		Gated:   true,
		Label:   "Suostumusten määrät",
		FI:      "sivustoittain ja päivittäin, kuinka monesti pyyntö suostua tilastointiin näytettiin, hyväksyttiin ja hylättiin; vain määrät, ilman tunnistetta, IP-osoitetta tai selaimen tietoja",
		Purpose: "sen arvioiminen, kuinka suuren osan käynneistä tilastot kattavat",
		SV: FieldText{Label: "Antal samtycken",
			What:    "per webbplats och dag, hur många gånger begäran om samtycke till statistiken visades, godkändes och avböjdes; endast antal, utan identifierare, IP-adress eller uppgifter om webbläsaren",
			Purpose: "att bedöma hur stor andel av besöken statistiken täcker"},
		EN: FieldText{Label: "Consent counts",
			What:    "per website and day, how many times the request to consent to the statistics was shown, accepted and declined; numbers only, without an identifier, IP address or browser details",
			Purpose: "assessing what share of visits the statistics cover"},
	},
	{
		// Imported aggregates (analytics.ImportStore) are daily sums, no
		// record of anyone: no columns of collected records. GoatCounter's
		// export becomes page views with the fields above.
		Name:      ImportedField,
		Gated:     true,
		Label:     "Tuodut tilastot",
		FI:        "ylläpitäjän toisesta tilastopalvelusta tuomat päiväkohtaiset yhteenvedot kävijöiden, käyntien ja sivulatausten määristä sivuittain, lähteittäin, sijainneittain ja selaimittain sekä tapahtumien määristä tapahtumittain ilman yksittäisiä käyntejä tai kävijöiden tunnisteita, sekä GoatCounterista tuodut sivulataukset ja asetuksissa määritellyt tapahtumat, jotka tallennetaan yllä kuvatuin tiedoin ja joiden vierailijan tunniste lasketaan GoatCounterin istuntotunnisteesta vain tuonnin ajan olemassa olevalla avaimella",
		Purpose:   "kävijätilastojen jatkuminen ajalta ennen tämän keräimen käyttöönottoa",
		Retention: "yhteenvedot säilytetään, kunnes ylläpitäjä poistaa tuonnin",
		SV: FieldText{Label: "Importerad statistik",
			What:      "dagliga sammanställningar som administratören har importerat från en annan statistiktjänst över antalet besökare, besök och sidvisningar per sida, källa, plats och webbläsare samt antalet händelser per händelse, utan enskilda besök eller besökares identifierare, samt sidvisningar och deklarerade händelser importerade från GoatCounter, som sparas med de uppgifter som beskrivs ovan och vars besökaridentifierare beräknas ur GoatCounters sessionsidentifierare med en nyckel som bara finns under importen",
			Purpose:   "att besöksstatistiken fortsätter från tiden innan denna insamlare togs i bruk",
			Retention: "sammanställningarna sparas tills administratören raderar importen"},
		EN: FieldText{Label: "Imported statistics",
			What:      "daily summaries that the administrator imported from another analytics service of the numbers of visitors, visits and page views per page, source, location and browser and of events per event, without single visits or visitor identifiers, and page views and declared events imported from GoatCounter, stored with the data described above, whose visitor identifier is computed from GoatCounter's session identifier with a key that exists only during the import",
			Purpose:   "continuing the visitor statistics from before this collector was used",
			Retention: "the summaries are kept until the administrator deletes the import"},
	},
	{
		Name: "salt", Columns: []string{"salts.day", "salts.salt"},
		Label:     "Päivän suola",
		FI:        "vierailijan tunnisteen laskemiseen käytetty päiväkohtainen satunnainen luku",
		Purpose:   "vierailijan tunnisteen laskeminen ilman pysyvää tunnistetta",
		Retention: "poistetaan viimeistään 48 tunnin kuluttua päivän päättymisestä",
		SV: FieldText{Label: "Dagens salt",
			What:      "ett slumpmässigt tal för varje dag som används för att beräkna besökarens identifierare",
			Purpose:   "att beräkna besökarens identifierare utan en bestående identifierare",
			Retention: "raderas senast 48 timmar efter dagens slut"},
		EN: FieldText{Label: "Daily salt",
			What:      "a random number for each day, used to compute the visitor identifier",
			Purpose:   "computing the visitor identifier without a permanent identifier",
			Retention: "deleted at most 48 hours after the end of the day"},
	},
}

// The names of the Gated fields, for what checks that the published
// statement describes them.
const (
	HashRouteField = "hashroute"
	ScrollField    = "scroll"
	ImportedField  = "imported"
	ConsentField   = "consent"
)

// FieldNamed returns the registry's field name (Fields or OptionalFields).
func FieldNamed(name string) (Field, bool) {
	for _, f := range append(append([]Field(nil), Fields...), OptionalFields...) {
		if f.Name == name {
			return f, true
		}
	}
	return Field{}, false
}

// Columns is every storage column of the registry, "table.column", the
// optional fields' included.
func Columns() []string {
	var out []string
	for _, f := range append(append([]Field(nil), Fields...), OptionalFields...) {
		out = append(out, f.Columns...)
	}
	return out
}

// FieldBullet is a field's line in the statement's list of collected data
// (Markdown, without the list marker), in Finnish.
func FieldBullet(f Field) string { return FieldBulletIn(f, "fi") }

// FieldBulletIn is the field's line in the statement in lang ("fi", "sv"
// or "en"); any other language gets the Finnish line.
func FieldBulletIn(f Field, lang string) string {
	t, purpose := f.Text(lang), "käyttötarkoitus"
	switch lang {
	case "sv":
		purpose = "ändamål"
	case "en":
		purpose = "purpose"
	}
	s := "**" + t.Label + ":** " + t.What + "; " + purpose + ": " + t.Purpose
	if t.Retention != "" {
		s += "; " + t.Retention
	}
	return s + "."
}

// Text is the field's texts in lang; Finnish for any language but sv and en.
func (f Field) Text(lang string) FieldText {
	switch lang {
	case "sv":
		return f.SV
	case "en":
		return f.EN
	}
	return FieldText{Label: f.Label, What: f.FI, Purpose: f.Purpose, Retention: f.Retention}
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

// Swedish is the period as the Swedish statement says it after "sparas i":
// "3 år", "18 månader", "8 veckor", "90 dagar".
func (r Retention) Swedish() string {
	return r.words(" och ", [4][2]string{{"år", "år"}, {"månad", "månader"}, {"vecka", "veckor"}, {"dag", "dagar"}})
}

// English is the period as the English statement says it after "kept for":
// "3 years", "18 months", "8 weeks", "90 days".
func (r Retention) English() string {
	return r.words(" and ", [4][2]string{{"year", "years"}, {"month", "months"}, {"week", "weeks"}, {"day", "days"}})
}

// words spells the period with a number before every unit (Swedish and
// English say "1 år", "1 year"; Finnish, with its own rules, is Finnish).
func (r Retention) words(and string, units [4][2]string) string {
	var parts []string
	add := func(n int, u [2]string) {
		switch {
		case n == 1:
			parts = append(parts, "1 "+u[0])
		case n > 1:
			parts = append(parts, strconv.Itoa(n)+" "+u[1])
		}
	}
	add(r.Years, units[0])
	add(r.Months, units[1])
	if r.Days%7 == 0 && r.Days > 0 {
		add(r.Days/7, units[2])
	} else {
		add(r.Days, units[3])
	}
	return strings.Join(parts, and)
}

// RetentionSentence is the statement's sentence on how long page-view data
// is kept, in Finnish.
func RetentionSentence(r Retention) string { return RetentionSentenceIn(r, "fi") }

// RetentionSentenceIn is that sentence in lang ("fi", "sv" or "en").
func RetentionSentenceIn(r Retention, lang string) string {
	switch lang {
	case "sv":
		return "Uppgifterna om sidbesök sparas i " + r.Swedish() + ", varefter de raderas automatiskt."
	case "en":
		return "Page visit data is kept for " + r.English() + ", after which it is deleted automatically."
	}
	return "Sivuvierailutiedot säilytetään " + r.Finnish() + ", minkä jälkeen ne poistetaan automaattisesti."
}
