package analytics

// Field describes one kind of data the collector stores. The registry is the
// single source of truth: the storage engines' schemas are tested against it,
// and the privacy statement's list of collected data is generated from it,
// so the statement and the collector cannot drift apart.
type Field struct {
	Name    string   // stable identifier, used in the statement's shortcode
	Columns []string // storage columns that hold it (engine-neutral names)
	FI, EN  string   // what it is, for the statement
	Purpose string   // why it is kept, in Finnish
}

// Fields lists every stored field, in the order the statement presents them.
// Retention is the same for all page-view data (the configured retention
// period); the salts are the exception and say so.
var Fields = []Field{
	{
		Name: "time", Columns: []string{"pageviews.ts", "leaves.ts", "bots.ts"},
		FI:      "sivulatauksen ajankohta sekunnin tarkkuudella (UTC)",
		EN:      "time of the page load, to the second (UTC)",
		Purpose: "kävijämäärien laskeminen ajan mukaan",
	},
	{
		Name: "site", Columns: []string{"pageviews.site", "leaves.site", "bots.site"},
		FI:      "sivusto, jolla vierailtiin",
		EN:      "the website visited",
		Purpose: "tilastojen erottaminen sivustoittain",
	},
	{
		Name: "visitor", Columns: []string{"pageviews.visitor"},
		FI:      "vierailijan yksilöivä tunniste: IP-osoitteesta, selaimen tunnisteesta ja sivustosta päivittäin vaihtuvalla satunnaisella suolalla laskettu tiiviste, josta IP-osoitetta ei voi palauttaa; sama vierailija saa seuraavana päivänä eri tunnisteen",
		EN:      "pseudonymous visitor id: a keyed hash of the IP address, the browser's User-Agent and the site with a random salt that changes daily; the IP address cannot be recovered from it and the same visitor gets a different id the next day",
		Purpose: "yksilöllisten kävijöiden laskeminen päivittäin",
	},
	{
		Name: "visit", Columns: []string{"pageviews.visit"},
		FI:      "vierailuhistoria: saman vierailijan alle 30 minuutin välein ladatut sivut yhdistävä vierailun numero, josta näkyvät vierailun ensimmäinen ja viimeinen sivu",
		EN:      "visit history: a visit number joining one visitor's page loads less than 30 minutes apart, giving the visit's first and last page",
		Purpose: "vierailujen, sisääntulo- ja poistumissivujen laskeminen",
	},
	{
		Name: "pageview", Columns: []string{"pageviews.pageview_id", "leaves.pageview_id"},
		FI:      "sivulatauksen satunnainen tunniste, jolla vierailun kesto liitetään oikeaan sivulataukseen",
		EN:      "a random id of the page load, linking the visible duration to it",
		Purpose: "vierailun keston liittäminen sivulataukseen",
	},
	{
		Name: "page", Columns: []string{"pageviews.path", "pageviews.utm_source", "pageviews.utm_medium", "pageviews.utm_campaign", "pageviews.utm_term", "pageviews.utm_content"},
		FI:      "vierailtu sivu (osoitteen polku ilman kyselyparametreja, paitsi kampanjaparametrit utm_source, utm_medium, utm_campaign, utm_term ja utm_content)",
		EN:      "the page visited (URL path without query parameters, except the campaign parameters utm_*)",
		Purpose: "suosituimpien sivujen ja kampanjoiden tilastointi",
	},
	{
		Name: "referrer", Columns: []string{"pageviews.referrer_host"},
		FI:      "edellisen sivuston verkkotunnus, jos sivulle tultiin toiselta sivustolta (ei koko osoitetta)",
		EN:      "the referring site's host name when the visitor came from another site (not the full address)",
		Purpose: "liikenteen lähteiden tilastointi",
	},
	{
		Name: "location", Columns: []string{"pageviews.country", "pageviews.region", "pageviews.city"},
		FI:      "arvioitu sijainti maan, alueen ja kaupungin tarkkuudella, päätelty IP-osoitteesta sivulatauksen hetkellä; IP-osoitetta ei tallenneta",
		EN:      "estimated location (country, region, city), derived from the IP address at the time of the page load; the IP address is not stored",
		Purpose: "kävijöiden maantieteellinen tilastointi",
	},
	{
		Name: "browser", Columns: []string{"pageviews.browser", "pageviews.browser_version", "pageviews.os", "pageviews.device"},
		FI:      "selain ja sen pääversio, käyttöjärjestelmä ja laitetyyppi (tietokone, puhelin, tabletti); selaimen koko tunnistetta ei tallenneta",
		EN:      "browser and its major version, operating system and device type (desktop, mobile, tablet); the full User-Agent is not stored",
		Purpose: "sivuston toimivuuden varmistaminen eri laitteilla",
	},
	{
		Name: "duration", Columns: []string{"leaves.duration_ms"},
		FI:      "vierailun kesto: aika, jonka sivu oli näkyvissä selaimessa",
		EN:      "visit duration: the time the page was visible in the browser",
		Purpose: "sisällön kiinnostavuuden arviointi",
	},
	{
		Name: "bot", Columns: []string{"bots.ts", "bots.site"},
		FI:      "automaattisten hakurobottien ja ohjelmien käynnit lasketaan erikseen pelkkänä ajankohtana ja sivustona",
		EN:      "visits by crawlers and programs are only counted, as a time and a site",
		Purpose: "robottiliikenteen erottaminen kävijätilastoista",
	},
	{
		Name: "salt", Columns: []string{"salts.day", "salts.salt"},
		FI:      "vierailijatunnisteen päiväkohtainen satunnainen suola, joka poistetaan viimeistään 48 tunnin kuluttua vuorokauden päättymisestä",
		EN:      "the daily random salt of the visitor id, deleted at most 48 hours after its day ends",
		Purpose: "vierailijatunnisteen laskeminen ilman pysyvää tunnistetta",
	},
}
