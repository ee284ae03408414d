package mailreport

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"golang.org/x/text/language"
	"golang.org/x/text/language/display"
)

// Lang is a recipient's language: fi, sv or en.
type Lang string

const (
	Finnish Lang = "fi"
	Swedish Lang = "sv"
	English Lang = "en"
)

// ParseLang reads fi, sv or en; "" is Finnish.
func ParseLang(s string) (Lang, error) {
	switch Lang(s) {
	case "":
		return Finnish, nil
	case Finnish, Swedish, English:
		return Lang(s), nil
	}
	return "", fmt.Errorf("unknown language %q (use fi, sv or en)", s)
}

// words are a message's fixed texts, by language.
var words = map[Lang]map[string]string{
	Finnish: {
		"week.subject":  "Viikkoraportti %s: viikko %d",
		"month.subject": "Kuukausiraportti %s: %s",
		"week.title":    "Viikko %d (%s–%s)",
		"month.title":   "%s (%s–%s)",
		"visitors":      "Kävijät",
		"visits":        "Käynnit",
		"pageviews":     "Sivulataukset",
		"bounce":        "Välitön poistuminen",
		"duration":      "Käynnin kesto",
		"previous":      "Edellinen jakso",
		"change":        "Muutos",
		"pages":         "Suosituimmat sivut",
		"sources":       "Lähteet",
		"countries":     "Maat",
		"goals":         "Tavoitteet",
		"conversion":    "Konversio",
		"daily":         "Sivulataukset päivittäin",
		"other":         "(muut)",
		"direct":        "(suora)",
		"unknown":       "(tuntematon)",
		"withheld":      "Alle %d kävijän luvut eivät näy, jotta yksittäinen kävijä ei erotu.",
		"dashboard":     "Avaa raportti",
		"why":           "Saat tämän viestin, koska sinulle on tilattu sivuston %s raportit. Tilauksen muuttaa sivuston ylläpitäjä.",
		"none":          "Ei kävijöitä tällä jaksolla.",
		"months":        "tammikuu helmikuu maaliskuu huhtikuu toukokuu kesäkuu heinäkuu elokuu syyskuu lokakuu marraskuu joulukuu",
	},
	Swedish: {
		"week.subject":  "Veckorapport %s: vecka %d",
		"month.subject": "Månadsrapport %s: %s",
		"week.title":    "Vecka %d (%s–%s)",
		"month.title":   "%s (%s–%s)",
		"visitors":      "Besökare",
		"visits":        "Besök",
		"pageviews":     "Sidvisningar",
		"bounce":        "Avvisningsfrekvens",
		"duration":      "Besökets längd",
		"previous":      "Föregående period",
		"change":        "Förändring",
		"pages":         "Populäraste sidor",
		"sources":       "Källor",
		"countries":     "Länder",
		"goals":         "Mål",
		"conversion":    "Konvertering",
		"daily":         "Sidvisningar per dag",
		"other":         "(övriga)",
		"direct":        "(direkt)",
		"unknown":       "(okänt)",
		"withheld":      "Tal under %d besökare visas inte, så att en enskild besökare inte kan urskiljas.",
		"dashboard":     "Öppna rapporten",
		"why":           "Du får det här meddelandet eftersom rapporter för %s har beställts åt dig. Webbplatsens administratör ändrar beställningen.",
		"none":          "Inga besökare under perioden.",
		"months":        "januari februari mars april maj juni juli augusti september oktober november december",
	},
	English: {
		"week.subject":  "Weekly report %s: week %d",
		"month.subject": "Monthly report %s: %s",
		"week.title":    "Week %d (%s–%s)",
		"month.title":   "%s (%s–%s)",
		"visitors":      "Visitors",
		"visits":        "Visits",
		"pageviews":     "Page views",
		"bounce":        "Bounce rate",
		"duration":      "Visit duration",
		"previous":      "Previous period",
		"change":        "Change",
		"pages":         "Top pages",
		"sources":       "Sources",
		"countries":     "Countries",
		"goals":         "Goals",
		"conversion":    "Conversion",
		"daily":         "Page views by day",
		"other":         "(other)",
		"direct":        "(direct)",
		"unknown":       "(unknown)",
		"withheld":      "Numbers under %d visitors are not shown, so that no single visitor stands out.",
		"dashboard":     "Open the report",
		"why":           "You get this message because reports of %s were ordered for you. The site's administrator changes the order.",
		"none":          "No visitors in this period.",
		"months":        "January February March April May June July August September October November December",
	},
}

func (l Lang) t(key string, args ...any) string {
	s := words[l][key]
	if len(args) > 0 {
		return fmt.Sprintf(s, args...)
	}
	return s
}

func (l Lang) monthName(m int) string { return strings.Fields(l.t("months"))[m-1] }

// regionNames are the countries' names in each language.
var regionNames = map[Lang]display.Namer{
	Finnish: display.Regions(language.Finnish),
	Swedish: display.Regions(language.Swedish),
	English: display.Regions(language.English),
}

func (l Lang) country(code string) string {
	if r, err := language.ParseRegion(code); err == nil && r.IsCountry() {
		if n := regionNames[l].Name(r); n != "" {
			return n
		}
	}
	return code
}

// number writes n with a thin grouping: 12 345 in Finnish and Swedish,
// 12,345 in English.
func (l Lang) number(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	sep := "\u00a0"
	if l == English {
		sep = ","
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteString(sep)
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// percent writes a share 0..1 with no decimals: "42 %" (fi, sv), "42%" (en).
func (l Lang) percent(x float64) string {
	p := strconv.FormatFloat(math.Round(x*100), 'f', 0, 64)
	if l == English {
		return p + "%"
	}
	return p + "\u00a0%"
}

// change writes a relative change as "+25 %"; "" when there is none to give.
func (l Lang) change(c float64, ok bool) string {
	if !ok {
		return "–"
	}
	s := l.percent(c)
	if c >= 0 {
		s = "+" + s
	} else {
		s = "−" + strings.TrimPrefix(s, "-")
	}
	return s
}

// duration writes seconds as 1 min 05 s.
func (l Lang) duration(sec float64) string {
	s := int64(math.Round(sec))
	if s < 60 {
		return fmt.Sprintf("%d s", s)
	}
	return fmt.Sprintf("%d min %02d s", s/60, s%60)
}

func (l Lang) date(t interface{ Format(string) string }) string {
	if l == English {
		return t.Format("2 Jan 2006")
	}
	return t.Format("2.1.2006")
}
