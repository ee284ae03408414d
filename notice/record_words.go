package notice

import "regexp"

// recordWordsT are the record's words in one language. Fields hold fmt
// verbs where the values go.
type recordWordsT struct {
	title, intro, article, siteOne, siteMany, and                  string
	controllerTitle, controllerSource                              string
	purposesTitle, purpose, basisLabel, basisConsent, basisExempt  string
	categoriesTitle, subjectsLabel, subjects, dataLabel, dataIntro string
	columns                                                        [4]string
	keptFor                                                        string
	special                                                        string
	recipientsTitle, recipients, disclosuresIntro, noDisclosures   string
	transfersTitle, transfers                                      string
	erasureTitle, purge, backups, selfService, selfPath            string
	measuresTitle, pseudonyms, noAddress, location, noLocation     string
	precision                                                      map[string]string
	consentFirst, dnt, noDNT, eventValues                          string
	floor, noFloor, shareFloor, access, secureCookies, tls         string
	noProxy, backupSQLite, backupClickHouse                        string
	// The statement's headings that StatementSections looks for, matched
	// against the lowercased heading.
	controllerHeading, disclosuresHeading *regexp.Regexp
}

// recordWords is the record's words in code; Finnish for any other code.
func recordWords(code string) recordWordsT {
	if w, ok := recordText[code]; ok {
		return w
	}
	return recordText[Finnish]
}

var recordText = map[string]recordWordsT{
	"fi": {
		title:    "Seloste käsittelytoimista: verkkosivuston kävijätilastot",
		intro:    "Tämä on EU:n yleisen tietosuoja-asetuksen 30 artiklan mukainen seloste käsittelytoimista. Se koskee %s kävijätilastointia, jota rekisterinpitäjän omalla palvelimella toimiva seloste-ohjelma tekee. Ohjelma on laatinut selosteen asetuksistaan, tallentamiensa tietojen luettelosta ja rekisterinpitäjän tietosuojaselosteesta. Seloste on rekisterinpitäjän sisäinen asiakirja, joka esitetään valvontaviranomaiselle pyynnöstä. Rekisterinpitäjän muut käsittelytoimet kuvataan omissa selosteissaan.",
		article:  "Tietosuoja-asetuksen 30 artiklan 1 kohdan %s alakohta.",
		siteOne:  "sivuston %s",
		siteMany: "sivustojen %s",
		and:      "ja",

		controllerTitle:  "Rekisterinpitäjä ja yhteystiedot",
		controllerSource: "Rekisterinpitäjän tiedot on otettu sen voimassa olevasta tietosuojaselosteesta. Tietosuojavastaava ja 27 artiklassa tarkoitettu edustaja mainitaan edellä, jos ne on nimetty.",

		purposesTitle: "Käsittelyn tarkoitukset",
		purpose:       "Kävijätilastot, joiden avulla sivuston toimivuutta ja sisältöä kehitetään. Tilastoista näytetään vain koostettuja lukuja; niitä ei yhdistetä muihin henkilötietoihin eikä käytetä automaattiseen päätöksentekoon tai profilointiin. Tietoja käsitellään seuraaviin tarkoituksiin:",
		basisLabel:    "Oikeusperuste:",
		basisConsent:  "kävijän suostumus (tietosuoja-asetuksen 6 artiklan 1 kohdan a alakohta ja sähköisen viestinnän palveluista annetun lain 205 §). Seurantakoodi ei lähetä tietoja ennen kuin kävijä on antanut suostumuksensa. Kävijä voi perua suostumuksensa milloin tahansa, jolloin tietojen lähettäminen lakkaa heti (asetus consent = \"required\").",
		basisExempt:   "rekisterinpitäjän oikeutettu etu (tietosuoja-asetuksen 6 artiklan 1 kohdan f alakohta): sivuston kehittäminen kävijätilastojen avulla. Rekisterinpitäjä on oman arvionsa perusteella katsonut, ettei tilastointi edellytä kävijän suostumusta (asetus consent = \"exempt\").",

		categoriesTitle: "Rekisteröityjen ryhmät ja henkilötietoryhmät",
		subjectsLabel:   "Rekisteröidyt:",
		subjects:        "%s kävijät. Hakurobottien ja muiden ohjelmien käynneistä tallennetaan vain ajankohta ja sivusto.",
		dataLabel:       "Henkilötiedot:",
		dataIntro:       "ohjelma tallentaa seuraavat tiedot. Luettelo on luotu samasta tietoluettelosta kuin tietosuojaselosteen luettelo kerättävistä tiedoista.",
		columns:         [4]string{"Tieto", "Kuvaus", "Käyttötarkoitus", "Säilytysaika"},
		keptFor:         "säilytetään %s",
		special:         "Tietosuoja-asetuksen 9 artiklassa tarkoitettuja erityisiä henkilötietoryhmiä tai 10 artiklassa tarkoitettuja rikostuomioita ja rikkomuksia koskevia tietoja ei käsitellä.",

		recipientsTitle:  "Henkilötietojen vastaanottajat",
		recipients:       "Ohjelma ei luovuta eikä lähetä tietoja kenellekään: ne tallennetaan rekisterinpitäjän omaan %s-tietokantaan. Tilastot näkyvät vain niille, jotka kirjautuvat rekisterinpitäjän kojelautaan tai käyttävät sen tilastorajapintaa rekisterinpitäjän antamalla avaimella, sekä julkisen jakolinkin saajille, jotka näkevät vain koostettuja lukuja (vähintään %d kävijää riviä kohden). Jos palvelinta tai tietokantaa ylläpitää palveluntarjoaja, se on rekisterinpitäjän lukuun toimiva henkilötietojen käsittelijä (28 artikla).",
		disclosuresIntro: "Rekisterinpitäjän tietosuojaseloste kertoo luovutuksista ja siirroista seuraavaa:",
		noDisclosures:    "Rekisterinpitäjän tietosuojaselosteessa ei ole luovutuksia ja siirtoja koskevaa kohtaa.",

		transfersTitle: "Siirrot kolmansiin maihin",
		transfers:      "Ohjelma ei siirrä tietoja EU:n tai Euroopan talousalueen ulkopuolelle. Tiedot ovat rekisterinpitäjän palvelimella ja tietokannassa; niiden sijainti ja mahdolliset palveluntarjoajat kerrotaan kohdassa 4.",

		erasureTitle: "Tietojen poistamisen määräajat",
		purge:        "**Sivuvierailutiedot** (kohdan 3 tiedot, joille ei ole mainittu muuta säilytysaikaa) säilytetään %s. Ohjelma poistaa vanhemmat tiedot automaattisesti kerran vuorokaudessa.",
		backups:      "**Varmuuskopiot** sisältävät tiedot sellaisina kuin ne olivat varmuuskopiota otettaessa, eikä päivittäinen poisto koske niitä. Rekisterinpitäjä säilyttää varmuuskopiota enintään %s sen ottamisesta.",
		selfService:  "**Kävijän pyynnöstä:** kävijä voi katsoa ja poistaa omalla selaimellaan samana päivänä tallennetut tiedot sivuston Omat tiedot -sivulla (%s) ja kieltää tilastoinnin selaimessaan. Aiempien päivien tietoja ei voi yhdistää kävijään, koska vierailijan tunniste vaihtuu päivittäin. Muut pyynnöt käsitellään kohdan 1 yhteystietojen kautta.",
		selfPath:     "/tietosuojaseloste/omat-tiedot/",

		measuresTitle:    "Tekniset ja organisatoriset turvatoimet",
		pseudonyms:       "**Pseudonymisointi:** vierailijan tunniste lasketaan IP-osoitteesta, selaimen tunnisteesta ja sivustosta päivittäin vaihtuvalla satunnaisella suolalla. Suola poistetaan viimeistään 48 tunnin kuluttua päivän päättymisestä, minkä jälkeen tunnistetta ei voi laskea uudelleen eikä saman kävijän käyntejä yhdistää päivästä toiseen.",
		noAddress:        "**Tietojen minimointi:** IP-osoitetta ja selaimen koko tunnistetta (User-Agent) ei tallenneta tietokantaan eikä lokeihin; ne hävitetään, kun sivulatauksen tiedot on käsitelty. Kävijöiden selaimiin ei tallenneta evästeitä.",
		location:         "**Sijainti:** IP-osoitteesta päätellystä sijainnista tallennetaan %s (asetus geo_precision = \"%s\").",
		precision:        map[string]string{"city": "maa, alue ja kaupunki", "region": "maa ja alue", "country": "vain maa"},
		noLocation:       "**Sijainti:** sijaintia ei päätellä eikä tallenneta, koska sijaintitietokantaa ei käytetä.",
		consentFirst:     "**Suostumus ennen tilastointia:** seurantakoodi ei lähetä mitään ennen kävijän suostumusta. Kävijän valinta tallennetaan vain hänen selaimensa paikalliseen tallennustilaan (ei evästettä).",
		dnt:              "**Seurannan estopyynnöt:** jos selain lähettää Do Not Track- tai Global Privacy Control -pyynnön, käyntiä ei tallenneta (asetus honour_dnt).",
		noDNT:            "**Seurannan estopyynnöt:** asetus honour_dnt on pois päältä, joten myös Do Not Track- tai Global Privacy Control -pyynnön lähettävien selainten käynnit tallennetaan.",
		eventValues:      "**Tapahtumat:** vain asetuksissa ilmoitetut tapahtumat ja ominaisuudet tallennetaan, eikä henkilötiedoilta näyttäviä arvoja (sähköpostiosoite, puhelinnumero, henkilötunnus, vähintään 8 numeroa peräkkäin) tallenneta.",
		floor:            "**Raporttien alaraja:** raporttien rivit, joilla on alle %d kävijää, yhdistetään riviksi ”(muut)” (k-anonymiteetti, asetus min_visitors = %d).",
		noFloor:          "**Raporttien alaraja:** kojelaudan raporteissa ei ole kävijämäärän alarajaa (asetus min_visitors = 1); ne näkyvät vain kirjautuneille käyttäjille ja rajapinta-avaimen haltijoille.",
		shareFloor:       "**Jakolinkit:** julkisten jakolinkkien raporteissa rivit, joilla on alle %d kävijää, yhdistetään riviksi ”(muut)”.",
		access:           "**Pääsynhallinta:** kojelautaan ja tilastorajapintaan pääsee vain salasanalla tai rajapinta-avaimella. Salasana tallennetaan argon2id-tiivisteenä ja avaimet SHA-256-tiivisteinä tiedostoon, jota vain ohjelman käyttäjätili voi lukea; kirjautumisyrityksiä rajoitetaan, ja avaimen voi perua.",
		secureCookies:    "**Evästeet:** kojelaudan istuntoevästeet lähetetään vain salattuja yhteyksiä pitkin (asetus secure_cookies).",
		tls:              "**Salaus:** ohjelma on julkaistu käänteisvälityspalvelimen kautta (asetus trust_proxy), joka salaa yhteydet selaimiin (TLS).",
		noProxy:          "**Salaus:** asetuksissa ei ole käänteisvälityspalvelinta (trust_proxy), joten yhteyksien salaus (TLS) ei näy asetuksista; se järjestetään palvelimella ennen kuin ohjelma otetaan julkiseen käyttöön.",
		backupSQLite:     "**Varmuuskopiot:** tietokannasta otetaan varmuuskopiot komennolla seloste backup, ja ne säilytetään yhtä suojattuina kuin tietokanta.",
		backupClickHouse: "**Varmuuskopiot:** tietokannasta otetaan varmuuskopiot ClickHouse-tietokannan omilla välineillä, ja ne säilytetään yhtä suojattuina kuin tietokanta.",

		controllerHeading:  regexp.MustCompile(`rekisterinpitäj`),
		disclosuresHeading: regexp.MustCompile(`luovut|vastaanottaj|siirr`),
	},
	"sv": {
		title:    "Register över behandling: webbplatsens besöksstatistik",
		intro:    "Detta är ett register över behandling enligt artikel 30 i EU:s allmänna dataskyddsförordning. Det gäller besöksstatistiken för %s, som programmet seloste för på den personuppgiftsansvariges egen server. Programmet har upprättat registret utifrån sina inställningar, förteckningen över de uppgifter det sparar och den personuppgiftsansvariges dataskyddsbeskrivning. Registret är den personuppgiftsansvariges interna dokument, som på begäran görs tillgängligt för tillsynsmyndigheten. Den personuppgiftsansvariges övriga behandlingar beskrivs i egna register.",
		article:  "Artikel 30.1 %s i dataskyddsförordningen.",
		siteOne:  "webbplatsen %s",
		siteMany: "webbplatserna %s",
		and:      "och",

		controllerTitle:  "Personuppgiftsansvarig och kontaktuppgifter",
		controllerSource: "Uppgifterna om den personuppgiftsansvarige har hämtats ur dess gällande dataskyddsbeskrivning. Dataskyddsombud och företrädare enligt artikel 27 anges ovan, om sådana har utsetts.",

		purposesTitle: "Ändamålen med behandlingen",
		purpose:       "Besöksstatistik som används för att utveckla webbplatsens funktion och innehåll. Statistiken visar endast sammanställda siffror; den kopplas inte till andra personuppgifter och används inte för automatiserat beslutsfattande eller profilering. Uppgifterna behandlas för följande ändamål:",
		basisLabel:    "Rättslig grund:",
		basisConsent:  "besökarens samtycke (artikel 6.1 a i dataskyddsförordningen och 205 § i lagen om tjänster inom elektronisk kommunikation). Spårningskoden skickar inga uppgifter innan besökaren har gett sitt samtycke. Besökaren kan när som helst återkalla sitt samtycke, och då upphör sändningen genast (inställningen consent = \"required\").",
		basisExempt:   "den personuppgiftsansvariges berättigade intresse (artikel 6.1 f i dataskyddsförordningen): att utveckla webbplatsen med hjälp av besöksstatistik. Den personuppgiftsansvarige har enligt egen bedömning ansett att statistikföringen inte kräver besökarens samtycke (inställningen consent = \"exempt\").",

		categoriesTitle: "Kategorier av registrerade och av personuppgifter",
		subjectsLabel:   "Registrerade:",
		subjects:        "besökare på %s. Om besök av sökrobotar och andra program sparas endast tidpunkten och webbplatsen.",
		dataLabel:       "Personuppgifter:",
		dataIntro:       "programmet sparar följande uppgifter. Förteckningen har skapats ur samma register som dataskyddsbeskrivningens förteckning över insamlade uppgifter.",
		columns:         [4]string{"Uppgift", "Beskrivning", "Ändamål", "Lagringstid"},
		keptFor:         "sparas i %s",
		special:         "Särskilda kategorier av personuppgifter enligt artikel 9 i dataskyddsförordningen eller uppgifter om fällande domar i brottmål och överträdelser enligt artikel 10 behandlas inte.",

		recipientsTitle:  "Mottagare av personuppgifterna",
		recipients:       "Programmet lämnar inte ut och skickar inte uppgifter till någon: de sparas i den personuppgiftsansvariges egen %s-databas. Statistiken syns endast för dem som loggar in på den personuppgiftsansvariges instrumentpanel eller använder dess statistikgränssnitt med en nyckel som den personuppgiftsansvarige har gett, samt för mottagare av en offentlig delningslänk, som endast ser sammanställda siffror (minst %d besökare per rad). Om servern eller databasen förvaltas av en tjänsteleverantör är denna ett personuppgiftsbiträde som behandlar uppgifterna för den personuppgiftsansvariges räkning (artikel 28).",
		disclosuresIntro: "Den personuppgiftsansvariges dataskyddsbeskrivning säger följande om utlämnande och överföringar:",
		noDisclosures:    "Den personuppgiftsansvariges dataskyddsbeskrivning har inget avsnitt om utlämnande och överföringar.",

		transfersTitle: "Överföringar till tredjeland",
		transfers:      "Programmet överför inga uppgifter utanför EU eller Europeiska ekonomiska samarbetsområdet. Uppgifterna finns på den personuppgiftsansvariges server och i dess databas; var de finns och eventuella tjänsteleverantörer anges i punkt 4.",

		erasureTitle: "Tidsfrister för radering",
		purge:        "**Uppgifter om sidbesök** (de uppgifter i punkt 3 för vilka ingen annan lagringstid anges) sparas i %s. Programmet raderar äldre uppgifter automatiskt en gång per dygn.",
		backups:      "**Säkerhetskopior** innehåller uppgifterna som de var när kopian togs, och den dagliga raderingen gäller inte dem. Den personuppgiftsansvarige sparar en säkerhetskopia i högst %s från det att den togs.",
		selfService:  "**På besökarens begäran:** besökaren kan se och radera de uppgifter som samma dag har sparats med hans eller hennes webbläsare på webbplatsens sida Mina uppgifter (%s) och förbjuda statistikföringen i sin webbläsare. Uppgifter från tidigare dagar kan inte kopplas till besökaren, eftersom besökarens identifierare byts dagligen. Andra begäranden behandlas via kontaktuppgifterna i punkt 1.",
		selfPath:     "/sv/dataskyddsbeskrivning/mina-uppgifter/",

		measuresTitle:    "Tekniska och organisatoriska säkerhetsåtgärder",
		pseudonyms:       "**Pseudonymisering:** besökarens identifierare beräknas ur IP-adressen, webbläsarens identifierare och webbplatsen med ett slumpmässigt salt som byts dagligen. Saltet raderas senast 48 timmar efter dagens slut, varefter identifieraren inte kan beräknas på nytt och samma besökares besök inte kan kopplas samman från en dag till en annan.",
		noAddress:        "**Uppgiftsminimering:** IP-adressen och webbläsarens fullständiga identifierare (User-Agent) sparas inte i databasen eller i loggar; de förstörs när sidladdningens uppgifter har behandlats. Inga kakor sparas i besökarnas webbläsare.",
		location:         "**Plats:** av den plats som härleds ur IP-adressen sparas %s (inställningen geo_precision = \"%s\").",
		precision:        map[string]string{"city": "land, region och stad", "region": "land och region", "country": "endast landet"},
		noLocation:       "**Plats:** ingen plats härleds eller sparas, eftersom ingen platsdatabas används.",
		consentFirst:     "**Samtycke före statistikföring:** spårningskoden skickar ingenting innan besökaren har samtyckt. Besökarens val sparas endast i webbläsarens lokala lagring (ingen kaka).",
		dnt:              "**Begäran om att inte spåras:** om webbläsaren skickar en Do Not Track- eller Global Privacy Control-begäran sparas besöket inte (inställningen honour_dnt).",
		noDNT:            "**Begäran om att inte spåras:** inställningen honour_dnt är avstängd, så även besök från webbläsare som skickar en Do Not Track- eller Global Privacy Control-begäran sparas.",
		eventValues:      "**Händelser:** endast händelser och egenskaper som anges i inställningarna sparas, och värden som ser ut som personuppgifter (e-postadress, telefonnummer, personbeteckning, minst 8 siffror i rad) sparas inte.",
		floor:            "**Rapporternas nedre gräns:** rader i rapporterna med färre än %d besökare slås samman till raden ”(muut)” (k-anonymitet, inställningen min_visitors = %d).",
		noFloor:          "**Rapporternas nedre gräns:** instrumentpanelens rapporter har ingen nedre gräns för antalet besökare (inställningen min_visitors = 1); de syns endast för inloggade användare och innehavare av en gränssnittsnyckel.",
		shareFloor:       "**Delningslänkar:** i rapporterna bakom offentliga delningslänkar slås rader med färre än %d besökare samman till raden ”(muut)”.",
		access:           "**Åtkomstkontroll:** instrumentpanelen och statistikgränssnittet kan nås endast med lösenordet eller en gränssnittsnyckel. Lösenordet sparas som en argon2id-hashsumma och nycklarna som SHA-256-hashsummor i en fil som endast programmets användarkonto kan läsa; inloggningsförsöken begränsas, och en nyckel kan återkallas.",
		secureCookies:    "**Kakor:** instrumentpanelens sessionskakor skickas endast över krypterade förbindelser (inställningen secure_cookies).",
		tls:              "**Kryptering:** programmet är publicerat via en omvänd proxyserver (inställningen trust_proxy), som krypterar förbindelserna med webbläsarna (TLS).",
		noProxy:          "**Kryptering:** inställningarna anger ingen omvänd proxyserver (trust_proxy), så krypteringen av förbindelserna (TLS) framgår inte av inställningarna; den ordnas på servern innan programmet tas i offentligt bruk.",
		backupSQLite:     "**Säkerhetskopior:** säkerhetskopior av databasen tas med kommandot seloste backup och förvaras lika skyddade som databasen.",
		backupClickHouse: "**Säkerhetskopior:** säkerhetskopior av databasen tas med ClickHouse-databasens egna verktyg och förvaras lika skyddade som databasen.",

		controllerHeading:  regexp.MustCompile(`personuppgiftsansvarig`),
		disclosuresHeading: regexp.MustCompile(`utlämn|mottagare|överför`),
	},
	"en": {
		title:    "Record of processing activities: website visitor statistics",
		intro:    "This is a record of processing activities under Article 30 of the EU General Data Protection Regulation. It covers the visitor statistics of %s, kept by the seloste program running on the controller's own server. The program drew up the record from its configuration, the list of data it stores and the controller's privacy notice. The record is an internal document of the controller, made available to the supervisory authority on request. The controller's other processing activities are described in records of their own.",
		article:  "GDPR Article 30(1)(%s).",
		siteOne:  "the website %s",
		siteMany: "the websites %s",
		and:      "and",

		controllerTitle:  "Controller and contact details",
		controllerSource: "The controller's details are taken from its privacy notice in force. A data protection officer and a representative under Article 27 are named above if they have been appointed.",

		purposesTitle: "Purposes of the processing",
		purpose:       "Visitor statistics that help develop the website's functioning and content. The statistics show only aggregated figures; they are not combined with other personal data and are not used for automated decision-making or profiling. The data is processed for the following purposes:",
		basisLabel:    "Legal basis:",
		basisConsent:  "the visitor's consent (Article 6(1)(a) of the GDPR and section 205 of the Finnish Act on Electronic Communications Services). The tracking code sends no data before the visitor has given consent. The visitor can withdraw consent at any time, and sending then stops at once (setting consent = \"required\").",
		basisExempt:   "the controller's legitimate interest (Article 6(1)(f) of the GDPR): developing the website with the help of visitor statistics. The controller has assessed that the statistics do not require the visitor's consent (setting consent = \"exempt\").",

		categoriesTitle: "Categories of data subjects and of personal data",
		subjectsLabel:   "Data subjects:",
		subjects:        "visitors to %s. Of visits by search engine crawlers and other programs, only the time and the website are stored.",
		dataLabel:       "Personal data:",
		dataIntro:       "the program stores the following data. The list is generated from the same registry as the privacy notice's list of data collected.",
		columns:         [4]string{"Data", "Description", "Purpose", "Retention"},
		keptFor:         "kept for %s",
		special:         "No special categories of personal data (Article 9 of the GDPR) and no personal data relating to criminal convictions and offences (Article 10) are processed.",

		recipientsTitle:  "Recipients of the personal data",
		recipients:       "The program discloses and sends the data to no one: it is stored in the controller's own %s database. The statistics are visible only to those who sign in to the controller's dashboard or use its statistics API with a key the controller has issued, and to recipients of a public share link, who see aggregated figures only (at least %d visitors per row). If a service provider runs the server or the database, it is a processor acting on the controller's behalf (Article 28).",
		disclosuresIntro: "The controller's privacy notice says the following about disclosures and transfers:",
		noDisclosures:    "The controller's privacy notice has no section on disclosures and transfers.",

		transfersTitle: "Transfers to third countries",
		transfers:      "The program transfers no data outside the EU or the European Economic Area. The data is on the controller's server and in its database; where they are, and any service providers, are stated in section 4.",

		erasureTitle: "Time limits for erasure",
		purge:        "**Page visit data** (the data in section 3 for which no other retention is stated) is kept for %s. The program deletes older data automatically once a day.",
		backups:      "**Backups** hold the data as it was when they were taken, and the daily deletion does not apply to them. The controller keeps a backup for at most %s after it was taken.",
		selfService:  "**At the visitor's request:** visitors can view and delete the data stored the same day with their own browser on the website's Your data page (%s) and opt out of the statistics in their browser. Data from earlier days cannot be linked to the visitor, as the visitor identifier changes daily. Other requests are handled through the contact details in section 1.",
		selfPath:     "/en/privacy-notice/my-data/",

		measuresTitle:    "Technical and organisational security measures",
		pseudonyms:       "**Pseudonymisation:** the visitor identifier is computed from the IP address, the browser's identifier and the website with a random salt that changes daily. The salt is deleted at most 48 hours after the end of the day, after which the identifier cannot be computed again and the visits of one visitor cannot be linked from one day to the next.",
		noAddress:        "**Data minimisation:** the IP address and the browser's full identifier (User-Agent) are not stored in the database or in logs; they are discarded once the page load has been processed. No cookies are stored in visitors' browsers.",
		location:         "**Location:** from the IP address, the program derives and stores %s (setting geo_precision = \"%s\").",
		precision:        map[string]string{"city": "the country, region and city", "region": "the country and region", "country": "the country only"},
		noLocation:       "**Location:** no location is derived or stored, as no location database is used.",
		consentFirst:     "**Consent before statistics:** the tracking code sends nothing before the visitor has agreed. The visitor's choice is stored only in the browser's local storage (no cookie).",
		dnt:              "**Requests not to be tracked:** if the browser sends a Do Not Track or Global Privacy Control request, the visit is not stored (setting honour_dnt).",
		noDNT:            "**Requests not to be tracked:** the setting honour_dnt is off, so visits of browsers sending a Do Not Track or Global Privacy Control request are stored too.",
		eventValues:      "**Events:** only the events and properties declared in the configuration are stored, and values that look like personal data (an email address, a phone number, a personal identity code, 8 or more digits in a row) are not.",
		floor:            "**Floor of reports:** report rows with fewer than %d visitors are folded into the row “(muut)” (k-anonymity, setting min_visitors = %d).",
		noFloor:          "**Floor of reports:** the dashboard's reports have no floor on the number of visitors (setting min_visitors = 1); they are shown only to signed-in users and holders of an API key.",
		shareFloor:       "**Share links:** in the reports behind public share links, rows with fewer than %d visitors are folded into the row “(muut)”.",
		access:           "**Access control:** the dashboard and the statistics API can be reached only with the password or an API key. The password is stored as an argon2id hash and the keys as SHA-256 digests in a file only the program's user account can read; sign-in attempts are rate-limited, and a key can be revoked.",
		secureCookies:    "**Cookies:** the dashboard's session cookies are sent over encrypted connections only (setting secure_cookies).",
		tls:              "**Encryption:** the program is published through a reverse proxy (setting trust_proxy) that encrypts the connections with browsers (TLS).",
		noProxy:          "**Encryption:** the configuration names no reverse proxy (trust_proxy), so the encryption of connections (TLS) does not show in it; it is arranged on the server before the program is put to public use.",
		backupSQLite:     "**Backups:** backups of the database are taken with the command seloste backup and kept as protected as the database.",
		backupClickHouse: "**Backups:** backups of the database are taken with ClickHouse's own tools and kept as protected as the database.",

		controllerHeading:  regexp.MustCompile(`controller`),
		disclosuresHeading: regexp.MustCompile(`disclos|recipient|transfer`),
	},
}
