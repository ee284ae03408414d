package notice

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/seloste/seloste/analytics"
)

// A site's first statement ("seloste init") is written from a template in
// each language: complete for GDPR Art. 13 as it stands, so that Check
// finds nothing to warn about, with the collected-data block generated
// from the collector's fields like every later version's. Paragraphs that
// only the owner can make true (other registers, recipients, security)
// are preceded by an HTML comment carrying AdaptMarker: invisible on the
// site and in every rendering, noted by Check until a version without it.

// AdaptMarker opens the HTML comments of a started statement that ask the
// owner to read and adapt the paragraph after them.
const AdaptMarker = "MUOKKAA / ADAPT"

// Controller is who answers for the personal data, as the statement names
// it (Art. 13(1)(a)).
type Controller struct {
	Name       string // e.g. "Esimerkki Oy"
	BusinessID string // Finnish business ID (Y-tunnus), "1234567-1"; "" if there is none
	Address    string // street, postcode and town; commas separate the lines
	Contact    string // person to contact on data protection; may be ""
	Phone      string // may be ""
	Email      string // where data-protection requests go
}

// Start is what a site's first statement says: who, which sites, what the
// collector stores and for how long, in which languages, from which day.
type Start struct {
	Controller Controller
	Sites      []string  // the tracked sites' domains
	Collector  Collector // Fields and Retention make the collected-data list
	Languages  []string  // language codes; Finnish is required
	Date       time.Time // the version's date (its calendar day)
}

// CheckBusinessID checks a Finnish business ID (Y-tunnus): seven digits, a
// hyphen and a check digit. The check digit is 11 − r, where r is the sum
// of the digits weighted 7, 9, 10, 5, 8, 4, 2, modulo 11; r = 0 gives 0,
// and r = 1 is given to no business.
func CheckBusinessID(id string) error {
	if len(id) != 9 || id[7] != '-' {
		return errors.New("anna muodossa 1234567-8 (seitsemän numeroa, väliviiva, tarkistusmerkki) / give it as 1234567-8 (seven digits, a hyphen, the check digit)")
	}
	weights := [7]int{7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i, w := range weights {
		c := id[i]
		if c < '0' || c > '9' {
			return errors.New("anna muodossa 1234567-8 (seitsemän numeroa, väliviiva, tarkistusmerkki) / give it as 1234567-8 (seven digits, a hyphen, the check digit)")
		}
		sum += int(c-'0') * w
	}
	check := id[8]
	if check < '0' || check > '9' {
		return errors.New("tarkistusmerkki on numero / the check digit is a digit")
	}
	want := 0
	switch r := sum % 11; r {
	case 0:
	case 1:
		return errors.New("tunnusta ei voi olla olemassa: tarkista numerot / no such ID can exist: check the digits")
	default:
		want = 11 - r
	}
	if int(check-'0') != want {
		return errors.New("tarkistusmerkki ei täsmää / check digit does not match")
	}
	return nil
}

// check says what is missing or malformed in s before anything is
// written.
func (s Start) check() error {
	c := s.Controller
	for _, f := range []struct{ name, v string }{
		{"name", c.Name}, {"business ID", c.BusinessID}, {"address", c.Address},
		{"contact", c.Contact}, {"phone", c.Phone}, {"email", c.Email},
	} {
		if strings.ContainsFunc(f.v, unicode.IsControl) || strings.Contains(f.v, "{{") || strings.Contains(f.v, "-->") {
			return fmt.Errorf("controller's %s: no line breaks, control characters, {{ or -->", f.name)
		}
	}
	if strings.TrimSpace(c.Name) == "" || strings.TrimSpace(c.Address) == "" || strings.TrimSpace(c.Email) == "" {
		return errors.New("the controller's name, address and email are required")
	}
	if c.BusinessID != "" {
		if err := CheckBusinessID(c.BusinessID); err != nil {
			return fmt.Errorf("business ID %s: %w", c.BusinessID, err)
		}
	}
	if len(s.Sites) == 0 {
		return errors.New("no site: the statement describes the collector of at least one site")
	}
	if !slices.Contains(s.Languages, Finnish) {
		return errors.New("the languages must include fi: the Finnish text is the authoritative one")
	}
	for i, code := range s.Languages {
		if _, ok := LanguageOf(code); !ok {
			return fmt.Errorf("language %q: the statement's languages are fi, sv and en", code)
		}
		if slices.Contains(s.Languages[:i], code) {
			return fmt.Errorf("language %q given twice", code)
		}
	}
	if len(s.Collector.Fields) == 0 {
		return errors.New("no collected fields: give the collector's fields (analytics.StatementFields)")
	}
	return nil
}

// WriteStart writes the first version of a statement into dir, the
// statement's folder (SourceDir of the content folder), creating it: one
// published file per language of s, dated s.Date. It refuses a folder that
// already holds versions, and never overwrites a file; either every file is
// written or none is. It returns the paths written, Finnish first.
func WriteStart(dir string, s Start) ([]string, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	date := time.Date(s.Date.Year(), s.Date.Month(), s.Date.Day(), 0, 0, 0, 0, time.UTC)
	entries, err := os.ReadDir(dir)
	created := errors.Is(err, fs.ErrNotExist) // then a failed write removes it again
	if err != nil && !created {
		return nil, err
	}
	for _, e := range entries {
		if fileNameRE.MatchString(e.Name()) {
			return nil, fmt.Errorf("%s: kansiossa on jo seloste; aloita seuraava versio komennolla seloste notice new / the folder already holds a statement; start its next version with seloste notice new", filepath.Join(dir, e.Name()))
		}
	}
	type file struct {
		path string
		data []byte
	}
	var files []file
	for _, l := range Languages { // Finnish first, whatever the order given
		if !slices.Contains(s.Languages, l.Code) {
			continue
		}
		path := filepath.Join(dir, fileName(date, l.Code))
		text, err := StartText(s, l.Code)
		if err != nil {
			return nil, err
		}
		if _, err := Parse(path, date, []byte(text)); err != nil {
			return nil, fmt.Errorf("the started statement does not parse: %w", err) // a bug, or a value check let through
		}
		files = append(files, file{path, []byte(text)})
	}
	for _, f := range append(files, file{path: filepath.Join(dir, LockFile)}) {
		if _, err := os.Stat(f.path); err == nil {
			return nil, fmt.Errorf("%s on jo olemassa, sitä ei korvata / already exists, not overwritten", f.path)
		} else if !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var written []string
	for _, f := range files {
		if err := WriteNew(f.path, f.data); err != nil {
			for _, w := range written {
				os.Remove(w)
			}
			if created {
				os.Remove(dir) // only if empty: nothing else was there
			}
			return nil, err
		}
		written = append(written, f.path)
	}
	return written, nil
}

// startWords are a started statement's words in one language. Fields
// hold fmt verbs where the values go.
type startWords struct {
	title, summary, intro                           string
	controller, businessID, contactHeading, phone   string
	email, contactText, dpoAdapt                    string
	registersHeading, registersAdapt                string
	messagesHeading, messages                       string
	visitsHeading, visitsIntro, visits, selfPage    string
	visitsSources                                   string // after the generated legal-basis paragraph
	transfersHeading, transfersAdapt, transfers     string
	securityHeading, securityAdapt, security        string
	automatedHeading, automated                     string
	rightsHeading, rights, complaintHeading, appeal string
	and, siteOne, siteMany                          string // "ja"; "sivuston %s", "sivustojen %s"
}

var startText = map[string]startWords{
	"fi": {
		title:   "Tietosuojaseloste",
		summary: "Selosteen ensimmäinen versio.",
		intro: AdaptMarker + ": seloste init kirjoitti tämän selosteen pohjan. Lue koko teksti ja korjaa se vastaamaan toimintaasi ennen kuin rakennat sivuston: seloste notice build lukitsee julkaistun version, minkä jälkeen muutokset tehdään uuteen versioon (seloste notice new). Erityisesti luettavat ja sovitettavat kohdat on merkitty näin; nämä kommentit eivät näy sivustolla. / seloste init wrote this draft of your statement. Read all of it and make it true of what you do before you build the site: seloste notice build locks the published version, after which changes go into a new version (seloste notice new). The paragraphs you must read and adapt are marked like this; these comments are not shown on the site.\n" +
			"-->\n\n" +
			"Tässä tietosuojaselosteessa kerrotaan, mitä henkilötietoja %s käsittelee %s kävijöistä ja muista rekisteröidyistä, mihin tietoja käytetään, kuinka kauan niitä säilytetään ja mitä oikeuksia rekisteröidyillä on. Selostetta päivitetään tarvittaessa.",
		controller:     "Rekisterinpitäjä",
		businessID:     "Y-tunnus: %s",
		contactHeading: "Yhteystiedot tietosuoja-asioissa",
		phone:          "puh. %s",
		email:          "sähköposti: %s",
		contactText:    "Tietosuojaa koskevat kysymykset ja pyynnöt voi osoittaa rekisterinpitäjälle yllä olevilla yhteystiedoilla. Rekisterinpitäjällä ei ole nimettyä tietosuojavastaavaa, koska laki ei sitä edellytä.",
		dpoAdapt:       "jos olet nimittänyt tietosuojavastaavan (tietosuoja-asetuksen 37 artikla), kerro edellisessä kappaleessa hänen yhteystietonsa. / If you have appointed a data protection officer (GDPR Art. 37), give their contact details in the paragraph above.",

		registersHeading: "Käsiteltävät tiedot",
		registersAdapt:   "tähän osioon kuuluu jokainen henkilörekisteri, jota pidät: esimerkiksi asiakasrekisteri, verkkokauppa, uutiskirje tai rekrytointi. Kuvaa kukin omana ###-alaotsikkonaan kuten alla: kerättävät tiedot, tarkoitus, oikeusperuste, tietolähteet ja säilytysaika. Sivuvierailujen luettelo ja oikeusperuste luodaan keräimen asetuksista (consent: ks. docs/consent.md): älä muokkaa niitä käsin (seloste notice new kirjoittaa ne uuteen versioon). / Every register of personal data you keep belongs in this section: customers, a web shop, a newsletter, recruitment. Describe each under its own ### heading as below: the data, purpose, legal basis, sources and retention. The list of page-visit data and its legal basis are generated from the collector's settings (consent: see docs/consent.md): do not edit them by hand (seloste notice new writes them into a new version).",
		messagesHeading:  "Yhteydenotot",
		messages: "**Kerättäviä tietoja:** Rekisterinpitäjään sähköpostitse tai puhelimitse yhteyttä ottaneen nimi, yhteystiedot ja viestin sisältö.\n\n" +
			"**Tarkoitus:** Yhteydenottoihin vastaaminen ja asian hoitaminen.\n\n" +
			"**Oikeusperuste:** Rekisterinpitäjän oikeutettu etu vastata sille osoitettuihin yhteydenottoihin (EU:n yleisen tietosuoja-asetuksen 6 artiklan 1 kohdan f alakohta).\n\n" +
			"**Tietolähteet:** Tiedot saadaan yhteyttä ottavalta itseltään. Tietojen antaminen on vapaaehtoista, mutta ilman yhteystietoja yhteydenottoon ei voi vastata.\n\n" +
			"**Säilytysaika:** Viestit poistetaan, kun asia on hoidettu eikä niitä enää tarvita, viimeistään kahden vuoden kuluttua.",
		visitsHeading:    "Sivuvierailut",
		visitsIntro:      "**Kerättäviä tietoja:** Rekisterinpitäjän omalla palvelimella toimiva tilasto-ohjelma tallentaa %s vierailuista seuraavat tiedot:",
		visits:           "**Tarkoitus:** Kävijätilastot, joiden avulla sivuston toimivuutta ja sisältöä kehitetään. Tilastoja ei liitetä kenenkään henkilötietoihin. Sivustolla ei käytetä evästeitä eikä kolmansien osapuolten analytiikkapalveluja. IP-osoitetta ja selaimen koko tunnistetta ei tallenneta: niistä lasketaan sivulatauksen hetkellä vierailijan tunniste ja arvioitu sijainti, minkä jälkeen ne hävitetään. Vierailijan tunniste vaihtuu joka päivä, joten saman vierailijan käyntejä ei voi yhdistää päivästä toiseen. Tilastoista näytetään vain koostettuja lukuja, ei yksittäisen vierailijan kulkua sivustolla.",
		visitsSources:    "**Tietolähteet:** Tiedot kerätään automaattisesti vierailijan selaimesta sivulatauksen yhteydessä. Tietojen antaminen ei ole edellytys sivuston käytölle.",
		selfPage:         "**Omat tiedot:** Vierailija voi katsoa ja poistaa omalla selaimellaan tänään tallennetut sivuvierailutiedot [omat tiedot -sivulla](/tietosuojaseloste/omat-tiedot/). Koska tunniste vaihtuu päivittäin, aiempien päivien tietoja ei voi yhdistää vierailijaan.",
		transfersHeading: "Tietojen luovutukset ja siirrot",
		transfersAdapt:   "kerro, kenelle tietoja luovutetaan ja ketkä käsittelevät niitä puolestasi (esimerkiksi palvelimen tai sähköpostin palveluntarjoaja, kirjanpitäjä), ja jos tietoja siirretään EU:n tai ETA:n ulkopuolelle, millä suojatoimin. / Say to whom data is disclosed and who processes it on your behalf (e.g. the hosting or email provider, an accountant), and if data leaves the EU/EEA, under which safeguards.",
		transfers:        "Tietoja ei luovuteta kolmansille osapuolille, paitsi viranomaisille lakisääteisen vaatimuksen perusteella. Tietoja ei siirretä EU:n tai Euroopan talousalueen ulkopuolelle.",
		securityHeading:  "Tietoturva",
		securityAdapt:    "kuvaa, missä tiedot ovat ja miten ne suojataan. / Say where the data is kept and how it is protected.",
		security:         "Tiedot säilytetään rekisterinpitäjän hallinnoimalla palvelimella EU:n alueella. Pääsy tietoihin on rajattu niihin, jotka tarvitsevat niitä tehtävissään, ja palvelimen ohjelmistot pidetään ajan tasalla.",
		automatedHeading: "Automaattinen päätöksenteko",
		automated:        "Tietoja ei käytetä automaattiseen päätöksentekoon eikä profilointiin.",
		rightsHeading:    "Rekisteröidyn oikeudet",
		rights:           "Jokaisella rekisteröidyllä on oikeus saada pääsy omiin tietoihinsa, oikeus pyytää virheellisten tietojen oikaisemista tai tietojen poistamista, oikeus pyytää käsittelyn rajoittamista, oikeus vastustaa oikeutettuun etuun perustuvaa käsittelyä sekä oikeus siirtää itse antamansa tiedot järjestelmästä toiseen. Suostumukseen perustuvan käsittelyn voi perua milloin tahansa; peruminen ei vaikuta ennen sitä tehdyn käsittelyn lainmukaisuuteen. Pyynnöt voi lähettää osoitteeseen %s. Pyytäjän henkilöllisyys tarkistetaan ennen kuin tietoja luovutetaan tai muutetaan, jotta tiedot eivät päädy vääriin käsiin.",
		complaintHeading: "Oikeus tehdä valitus valvontaviranomaiselle",
		appeal:           "Jos rekisteröity katsoo, että hänen henkilötietojensa käsittelyssä rikotaan tietosuojalainsäädäntöä, hänellä on oikeus tehdä valitus valvontaviranomaiselle. Suomessa valvontaviranomainen on Tietosuojavaltuutetun toimisto (tietosuoja.fi).",
		and:              "ja",
		siteOne:          "sivuston %s",
		siteMany:         "sivustojen %s",
	},
	"sv": {
		title:   "Dataskyddsbeskrivning",
		summary: "Beskrivningens första version.",
		intro: AdaptMarker + ": seloste init skrev denna beskrivning som en mall. Läs hela texten och gör den sann för er verksamhet innan ni bygger webbplatsen: seloste notice build låser den publicerade versionen, och därefter görs ändringar i en ny version (seloste notice new). Stycken som ni måste läsa och anpassa är märkta så här; dessa kommentarer syns inte på webbplatsen. / seloste init wrote this draft of your statement. Read all of it and make it true of what you do before you build the site. The paragraphs you must read and adapt are marked like this; these comments are not shown on the site.\n" +
			"-->\n\n" +
			"I denna dataskyddsbeskrivning redogörs för vilka personuppgifter %s behandlar om besökare på %s och om andra registrerade, vad uppgifterna används till, hur länge de sparas och vilka rättigheter de registrerade har. Beskrivningen uppdateras vid behov.",
		controller:     "Personuppgiftsansvarig",
		businessID:     "FO-nummer: %s",
		contactHeading: "Kontaktuppgifter i dataskyddsfrågor",
		phone:          "tfn %s",
		email:          "e-post: %s",
		contactText:    "Frågor och begäranden som gäller dataskyddet kan riktas till den personuppgiftsansvarige med kontaktuppgifterna ovan. Den personuppgiftsansvarige har inget utnämnt dataskyddsombud, eftersom lagen inte kräver det.",
		dpoAdapt:       "om ni har utnämnt ett dataskyddsombud (artikel 37 i dataskyddsförordningen), ange ombudets kontaktuppgifter i stycket ovan. / If you have appointed a data protection officer (GDPR Art. 37), give their contact details in the paragraph above.",

		registersHeading: "Uppgifter som behandlas",
		registersAdapt:   "i detta avsnitt beskrivs varje personregister som ni för, till exempel kundregister, webbutik, nyhetsbrev eller rekrytering, vart och ett under en egen ###-rubrik som nedan: uppgifterna, ändamålet, den rättsliga grunden, källorna och lagringstiden. Förteckningen över sidbesök och deras rättsliga grund skapas av insamlarens inställningar (consent: se docs/consent.md): redigera dem inte för hand. / Every register of personal data you keep belongs in this section, each under its own ### heading as below. The list of page-visit data and its legal basis are generated from the collector's settings (consent: see docs/consent.md): do not edit them by hand.",
		messagesHeading:  "Kontakter",
		messages: "**Uppgifter som samlas in:** Namn, kontaktuppgifter och meddelandets innehåll för den som kontaktar den personuppgiftsansvarige per e-post eller telefon.\n\n" +
			"**Ändamål:** Att besvara kontakter och sköta ärendet.\n\n" +
			"**Rättslig grund:** Den personuppgiftsansvariges berättigade intresse att besvara kontakter som riktas till den (artikel 6.1 f i EU:s allmänna dataskyddsförordning).\n\n" +
			"**Uppgiftskällor:** Uppgifterna fås av den som tar kontakt. Det är frivilligt att lämna uppgifterna, men utan kontaktuppgifter kan kontakten inte besvaras.\n\n" +
			"**Lagringstid:** Meddelandena raderas när ärendet är avslutat och de inte längre behövs, senast efter två år.",
		visitsHeading:    "Sidbesök",
		visitsIntro:      "**Uppgifter som samlas in:** Om besök på %s sparas följande uppgifter med ett statistikprogram på den personuppgiftsansvariges egen server:",
		visits:           "**Ändamål:** Besöksstatistik som används för att utveckla webbplatsens funktion och innehåll. Statistiken kopplas inte till någons personuppgifter. Webbplatsen använder inga kakor och inga analystjänster från tredje parter. IP-adressen och webbläsarens fullständiga identifierare sparas inte: av dem beräknas besökarens identifierare och den uppskattade platsen när sidan laddas, varefter de förstörs. Besökarens identifierare byts varje dag, så samma besökares besök kan inte kopplas samman från en dag till en annan. Statistiken visar endast sammanställda siffror, aldrig en enskild besökares väg genom webbplatsen.",
		visitsSources:    "**Uppgiftskällor:** Uppgifterna samlas in automatiskt från besökarens webbläsare i samband med sidladdningen. Att uppgifterna lämnas är inte en förutsättning för att använda webbplatsen.",
		selfPage:         "**Mina uppgifter:** Besökaren kan se och radera de uppgifter om sidbesök som i dag har sparats med hans eller hennes webbläsare på [sidan Mina uppgifter](/sv/dataskyddsbeskrivning/mina-uppgifter/). Eftersom identifieraren byts dagligen kan uppgifter från tidigare dagar inte kopplas till besökaren.",
		transfersHeading: "Utlämnande och överföring av uppgifter",
		transfersAdapt:   "ange till vem uppgifter lämnas ut och vem som behandlar dem för er räkning (till exempel leverantören av server eller e-post, en bokförare), och om uppgifter överförs utanför EU eller EES, med vilka skyddsåtgärder. / Say to whom data is disclosed and who processes it on your behalf, and if data leaves the EU/EEA, under which safeguards.",
		transfers:        "Uppgifter lämnas inte ut till tredje parter, utom till myndigheter på grund av ett lagstadgat krav. Uppgifter överförs inte utanför EU eller Europeiska ekonomiska samarbetsområdet.",
		securityHeading:  "Informationssäkerhet",
		securityAdapt:    "beskriv var uppgifterna finns och hur de skyddas. / Say where the data is kept and how it is protected.",
		security:         "Uppgifterna förvaras på en server som den personuppgiftsansvarige förvaltar inom EU. Tillgången till uppgifterna är begränsad till dem som behöver dem i sina uppgifter, och serverns programvara hålls uppdaterad.",
		automatedHeading: "Automatiserat beslutsfattande",
		automated:        "Uppgifterna används inte för automatiserat beslutsfattande eller profilering.",
		rightsHeading:    "Den registrerades rättigheter",
		rights:           "Varje registrerad har rätt att få tillgång till sina egna uppgifter, rätt att begära rättelse av felaktiga uppgifter eller att uppgifterna raderas, rätt att begära begränsning av behandlingen, rätt att invända mot behandling som grundar sig på berättigat intresse samt rätt att överföra de uppgifter som han eller hon själv har lämnat från ett system till ett annat. Samtycke till behandling kan när som helst återkallas; återkallandet påverkar inte lagligheten av den behandling som skett innan dess. Begäranden kan skickas till %s. Den begärandes identitet kontrolleras innan uppgifter lämnas ut eller ändras, så att uppgifterna inte hamnar i fel händer.",
		complaintHeading: "Rätt att lämna klagomål till tillsynsmyndigheten",
		appeal:           "Om den registrerade anser att behandlingen av hans eller hennes personuppgifter strider mot dataskyddslagstiftningen har han eller hon rätt att lämna klagomål till tillsynsmyndigheten. I Finland är tillsynsmyndigheten Dataombudsmannens byrå (tietosuoja.fi).",
		and:              "och",
		siteOne:          "webbplatsen %s",
		siteMany:         "webbplatserna %s",
	},
	"en": {
		title:   "Privacy notice",
		summary: "The first version of the notice.",
		intro: AdaptMarker + ": seloste init wrote this draft of your notice. Read all of it and make it true of what you do before you build the site: seloste notice build locks the published version, after which changes go into a new version (seloste notice new). The paragraphs you must read and adapt are marked like this; these comments are not shown on the site.\n" +
			"-->\n\n" +
			"This privacy notice sets out what personal data %s processes about visitors to %s and about other data subjects, what the data is used for, how long it is kept and what rights data subjects have. This notice is updated when necessary.",
		controller:     "Controller",
		businessID:     "Business ID: %s",
		contactHeading: "Contact on data protection",
		phone:          "tel. %s",
		email:          "email: %s",
		contactText:    "Questions and requests concerning data protection can be addressed to the controller using the contact details above. The controller has not appointed a data protection officer, as the law does not require one.",
		dpoAdapt:       "if you have appointed a data protection officer (GDPR Art. 37), give their contact details in the paragraph above.",

		registersHeading: "Data processed",
		registersAdapt:   "every register of personal data you keep belongs in this section: customers, a web shop, a newsletter, recruitment. Describe each under its own ### heading as below: the data, purpose, legal basis, sources and retention. The list of page-visit data and its legal basis are generated from the collector's settings (consent: see docs/consent.md): do not edit them by hand (seloste notice new writes them into a new version).",
		messagesHeading:  "Messages",
		messages: "**Data collected:** The name, contact details and message of anyone who contacts the controller by email or telephone.\n\n" +
			"**Purpose:** Answering messages and dealing with the matter.\n\n" +
			"**Legal basis:** The controller's legitimate interest in answering the messages addressed to it (Article 6(1)(f) of the EU General Data Protection Regulation).\n\n" +
			"**Sources of data:** The data is obtained from the person who makes contact. Providing the data is voluntary, but without contact details a message cannot be answered.\n\n" +
			"**Retention:** Messages are deleted once the matter has been dealt with and they are no longer needed, at the latest after two years.",
		visitsHeading:    "Page visits",
		visitsIntro:      "**Data collected:** The following data about visits to %s is stored with a statistics program running on the controller's own server:",
		visits:           "**Purpose:** Visitor statistics that help develop the website's functioning and content. The statistics are not linked to anyone's personal data. The website uses no cookies and no analytics services of third parties. The IP address and the browser's full identifier are not stored: the visitor identifier and the estimated location are computed from them when the page loads, after which they are discarded. The visitor identifier changes every day, so the visits of the same visitor cannot be linked from one day to the next. The statistics show only aggregated figures, never an individual visitor's path through the website.",
		visitsSources:    "**Sources of data:** The data is collected automatically from the visitor's browser when a page loads. Providing the data is not a requirement for using the website.",
		selfPage:         "**Your data:** Visitors can view and delete the page visit data stored today with their own browser on the [Your data page](/en/privacy-notice/my-data/). As the identifier changes daily, data from earlier days cannot be linked to the visitor.",
		transfersHeading: "Disclosure and transfers of data",
		transfersAdapt:   "say to whom data is disclosed and who processes it on your behalf (e.g. the hosting or email provider, an accountant), and if data leaves the EU/EEA, under which safeguards.",
		transfers:        "Data is not disclosed to third parties, except to public authorities on the basis of a statutory requirement. Data is not transferred outside the EU or the European Economic Area.",
		securityHeading:  "Security",
		securityAdapt:    "say where the data is kept and how it is protected.",
		security:         "The data is kept on a server managed by the controller within the EU. Access to the data is limited to those who need it for their tasks, and the server's software is kept up to date.",
		automatedHeading: "Automated decision-making",
		automated:        "The data is not used for automated decision-making or profiling.",
		rightsHeading:    "Rights of the data subject",
		rights:           "Every data subject has the right of access to their own data, the right to request the rectification of inaccurate data or the erasure of data, the right to request the restriction of processing, the right to object to processing based on legitimate interest, and the right to transfer the data they have provided themselves from one system to another. Consent to processing can be withdrawn at any time; withdrawal does not affect the lawfulness of the processing carried out before it. Requests can be sent to %s. The identity of the person making a request is verified before data is disclosed or changed, so that the data does not end up in the wrong hands.",
		complaintHeading: "Right to lodge a complaint with the supervisory authority",
		appeal:           "If data subjects consider that the processing of their personal data infringes data protection law, they have the right to lodge a complaint with the supervisory authority. In Finland, the supervisory authority is the Office of the Data Protection Ombudsman (tietosuoja.fi).",
		and:              "and",
		siteOne:          "the website %s",
		siteMany:         "the websites %s",
	},
}

// StartText is the first version of s's statement in language code, as
// WriteStart writes it: front matter and text.
func StartText(s Start, code string) (string, error) {
	w, ok := startText[code]
	if !ok {
		return "", fmt.Errorf("language %q: the statement's languages are fi, sv and en", code)
	}
	c := s.Controller
	var b strings.Builder
	p := func(format string, a ...any) { fmt.Fprintf(&b, format+"\n\n", a...) }
	adapt := func(text string) { p("<!-- %s: %s -->", AdaptMarker, text) }

	fmt.Fprintf(&b, "---\ntitle: %s\nlang: %s\nsummary: %s\n---\n\n", w.title, code, w.summary)
	sites := fmt.Sprintf(w.siteOne, siteList(s.Sites, w.and))
	if len(s.Sites) > 1 {
		sites = fmt.Sprintf(w.siteMany, siteList(s.Sites, w.and))
	}
	// The intro's comment opens here and is closed inside w.intro.
	b.WriteString("<!-- ")
	p(w.intro, md(c.Name), sites)

	p("## %s", w.controller)
	lines := []string{md(c.Name)}
	for _, l := range strings.Split(c.Address, ",") {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, md(l))
		}
	}
	if c.BusinessID != "" {
		lines = append(lines, fmt.Sprintf(w.businessID, c.BusinessID))
	}
	p("%s", strings.Join(lines, "\\\n"))

	p("### %s", w.contactHeading)
	lines = lines[:0]
	if c.Contact != "" {
		lines = append(lines, md(c.Contact))
	}
	if c.Phone != "" {
		lines = append(lines, fmt.Sprintf(w.phone, md(c.Phone)))
	}
	lines = append(lines, fmt.Sprintf(w.email, md(c.Email)))
	p("%s", strings.Join(lines, "\\\n"))
	p("%s", w.contactText)
	adapt(w.dpoAdapt)

	p("## %s", w.registersHeading)
	adapt(w.registersAdapt)
	p("### %s", w.messagesHeading)
	p("%s", w.messages)
	p("### %s", w.visitsHeading)
	p(w.visitsIntro, sites)
	b.WriteString(ExpandFieldsIn(s.Collector.Fields, s.Collector.Retention, code) + "\n")
	p("%s", w.visits)
	terms := s.Collector.Consent
	if len(terms) == 0 {
		terms = UniformConsent(s.Sites, analytics.ConsentRequired)
	}
	b.WriteString(ExpandConsentIn(terms, code) + "\n")
	p("%s", w.visitsSources)
	p("%s", w.selfPage)

	p("## %s", w.transfersHeading)
	adapt(w.transfersAdapt)
	p("%s", w.transfers)
	p("## %s", w.securityHeading)
	adapt(w.securityAdapt)
	p("%s", w.security)
	p("## %s", w.automatedHeading)
	p("%s", w.automated)
	p("## %s", w.rightsHeading)
	p(w.rights, md(c.Email))
	p("## %s", w.complaintHeading)
	b.WriteString(w.appeal + "\n")
	return b.String(), nil
}

// siteList names the sites in running text: "example.fi",
// "a.fi ja b.fi", "a.fi, b.fi ja c.fi".
func siteList(sites []string, and string) string {
	quoted := make([]string, len(sites))
	for i, s := range sites {
		quoted[i] = md(s)
	}
	if len(quoted) == 1 {
		return quoted[0]
	}
	return strings.Join(quoted[:len(quoted)-1], ", ") + " " + and + " " + quoted[len(quoted)-1]
}

// mdEscaper escapes what Markdown would read as markup in a value typed
// by the owner: a name or an address is text.
var mdEscaper = strings.NewReplacer(`\`, `\\`, "`", "\\`", `*`, `\*`, `_`, `\_`, `[`, `\[`, `]`, `\]`, `<`, `\<`, `>`, `\>`, `#`, `\#`, `|`, `\|`)

func md(s string) string { return mdEscaper.Replace(strings.TrimSpace(s)) }
