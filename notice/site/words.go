package site

import (
	"maps"

	"github.com/seloste/seloste/notice"
)

// siteWords are the theme's words in each language, given to every page as
// params.seloste.words: the theme holds the markup, this the text, so that
// one set of templates serves every language. Values with %s are filled in
// by the templates (printf) with dates and the site's own URLs; they hold
// HTML only where the sentence needs a link or markup.
var siteWords = map[string]map[string]string{
	"fi": {
		"skip":              "Siirry sisältöön",
		"nav":               "Sivusto",
		"homeLink":          "Etusivu",
		"notice":            "Tietosuojaseloste",
		"history":           "Muutoshistoria",
		"langs":             "Kieli",
		"footer":            `Seloste on koottu versioiduista lähteistä; vanhat versiot säilyvät <a href="%s">muutoshistoriassa</a>.`,
		"newestTranslation": "uusin versio %s",
		"draftBanner":       `<strong>LUONNOS / DRAFT</strong> – tämä versio (%s) ei ole vielä voimassa.`,
		"oldBanner":         `Tämä on selosteen vanha versio (%s). Voimassa on <a href="%s">uudempi versio %s</a>.`,
		"scheduledBanner":   `Tämä versio tulee voimaan %s. Siihen asti voimassa on <a href="%s">versio %s</a>.`,
		"upcoming":          `Uusi versio tulee voimaan %s. <a href="%s">Lue uusi versio</a> tai katso, <a href="%s">mitä muuttuu</a>.`,
		"takesEffect":       "tulee voimaan",
		"newerFinnish":      "",
		"versions":          "Selosteen versiot",
		"inForce":           "voimassa",
		"historyLink":       "Muutoshistoria ja erot versioiden välillä",
		"printable":         "Tulostettava ja sähköpostilla lähetettävä versio:",
		"textCopy":          "teksti",
		"historyIntro":      "Kaikki tietosuojaselosteen versiot uusimmasta vanhimpaan. Kunkin version kohdalla näkyy, mitä edelliseen versioon verrattuna\n<ins>lisättiin</ins> ja mitä <del>poistettiin</del>.",
		"firstVersion":      "Ensimmäinen julkaistu versio.",
		"selfTitle":         "Omat tiedot",
		"selfIntro": "Tällä sivulla näet, mitä sivuvierailutietoja selaimesi tämän päivän tunnisteella on tallennettu, ja voit poistaa ne.\n" +
			"Tunniste lasketaan tätä pyyntöä varten selaimesi IP-osoitteesta ja selaimen tunnisteesta päivän suolalla samalla tavalla kuin sivuvierailuja tallennettaessa; muuta ei haeta, eikä kukaan muu näe tietojasi tämän sivun kautta.\n" +
			"Koska tunniste vaihtuu päivittäin, aiempien päivien tietoja ei voi yhdistää sinuun.\n" +
			"Tätä sivua ei itseään tilastoida.",
		"selfNeedsJS":  "Sivu tarvitsee JavaScriptin hakeakseen tiedot.",
		"selfCaption":  "Tänään tallennetut sivulataukset",
		"colTime":      "Aika",
		"colPage":      "Sivu",
		"colLocation":  "Sijainti",
		"colBrowser":   "Selain",
		"colVisible":   "Näkyvissä",
		"colReferrer":  "Edellinen sivusto",
		"refresh":      "Hae uudelleen",
		"erase":        "Poista tietoni",
		"selfNoScript": `Ilman JavaScriptiä tiedot näkyvät JSON-muodossa osoitteessa <a href="%s">/api/me</a>. Poistaminen vaatii JavaScriptin.`,
		"back":         "Takaisin tietosuojaselosteeseen",
	},
	"sv": {
		"skip":              "Hoppa till innehållet",
		"nav":               "Webbplats",
		"homeLink":          "Startsida",
		"notice":            "Dataskyddsbeskrivning",
		"history":           "Ändringshistorik",
		"langs":             "Språk",
		"footer":            `Beskrivningen har sammanställts ur versionerade källor; äldre versioner finns kvar i <a href="%s">ändringshistoriken</a>.`,
		"newestTranslation": "senaste översättningen, %s",
		"draftBanner":       `<strong>LUONNOS / DRAFT</strong> – denna version (%s) gäller ännu inte.`,
		"oldBanner":         `Detta är en äldre version av beskrivningen (%s). Den gällande versionen är <a href="%s">den nyare versionen %s</a>.`,
		"scheduledBanner":   `Denna version träder i kraft %s. Till dess gäller <a href="%s">versionen %s</a>.`,
		"upcoming":          `En ny version träder i kraft %s. <a href="%s">Läs den nya versionen</a> eller se <a href="%s">vad som ändras</a>.`,
		"takesEffect":       "träder i kraft",
		"newerFinnish":      `Den finska texten är nyare: den uppdaterades senast %s. Denna översättning gäller en äldre version och har ännu inte uppdaterats; den gällande texten är <a href="%s" hreflang="fi" lang="fi">Tietosuojaseloste</a> på finska.`,
		"versions":          "Beskrivningens versioner",
		"inForce":           "gällande",
		"historyLink":       "Ändringshistorik och skillnader mellan versionerna",
		"printable":         "Version för utskrift och e-post:",
		"textCopy":          "text",
		"historyIntro":      "Alla versioner av dataskyddsbeskrivningen från den nyaste till den äldsta. För varje version visas vad som\n<ins>lades till</ins> och vad som <del>togs bort</del> jämfört med föregående version.",
		"firstVersion":      "Den första versionen på svenska.",
		"selfTitle":         "Mina uppgifter",
		"selfIntro": "På den här sidan ser du vilka uppgifter om sidbesök som har sparats med dagens identifierare för din webbläsare, och du kan radera dem.\n" +
			"Identifieraren beräknas för denna förfrågan ur din webbläsares IP-adress och identifierare med dagens salt, på samma sätt som när sidbesök sparas; inget annat hämtas, och ingen annan ser dina uppgifter via den här sidan.\n" +
			"Eftersom identifieraren byts dagligen kan uppgifter från tidigare dagar inte kopplas till dig.\n" +
			"Besök på den här sidan räknas inte i statistiken.",
		"selfNeedsJS":  "Sidan behöver JavaScript för att hämta uppgifterna.",
		"selfCaption":  "Sidladdningar som sparats i dag",
		"colTime":      "Tid",
		"colPage":      "Sida",
		"colLocation":  "Plats",
		"colBrowser":   "Webbläsare",
		"colVisible":   "Synlig",
		"colReferrer":  "Föregående webbplats",
		"refresh":      "Hämta igen",
		"erase":        "Radera mina uppgifter",
		"selfNoScript": `Utan JavaScript visas uppgifterna i JSON-format på adressen <a href="%s">/api/me</a>. Radering kräver JavaScript.`,
		"back":         "Tillbaka till dataskyddsbeskrivningen",
	},
	"en": {
		"skip":              "Skip to content",
		"nav":               "Site",
		"homeLink":          "Home",
		"notice":            "Privacy notice",
		"history":           "Change history",
		"langs":             "Language",
		"footer":            `The notice is built from versioned sources; old versions remain available in the <a href="%s">change history</a>.`,
		"newestTranslation": "latest translation, %s",
		"draftBanner":       `<strong>LUONNOS / DRAFT</strong> – this version (%s) is not yet in force.`,
		"oldBanner":         `This is an old version of the notice (%s). The version in force is the <a href="%s">newer version of %s</a>.`,
		"scheduledBanner":   `This version takes effect on %s. Until then the <a href="%s">version of %s</a> is in force.`,
		"upcoming":          `A new version takes effect on %s. <a href="%s">Read the new version</a> or see <a href="%s">what changes</a>.`,
		"takesEffect":       "takes effect",
		"newerFinnish":      `The Finnish text is newer: it was last updated on %s. This translation is of an earlier version and has not been updated yet; the text in force is the Finnish <a href="%s" hreflang="fi" lang="fi">Tietosuojaseloste</a>.`,
		"versions":          "Versions of the notice",
		"inForce":           "in force",
		"historyLink":       "Change history and differences between versions",
		"printable":         "Version for printing and email:",
		"textCopy":          "text",
		"historyIntro":      "Every version of the privacy notice, newest first. Each version shows what was\n<ins>added</ins> and what was <del>removed</del> compared with the previous version.",
		"firstVersion":      "The first version in English.",
		"selfTitle":         "Your data",
		"selfIntro": "On this page you can see what page visit data has been stored under today's identifier of your browser, and delete it.\n" +
			"For this request the identifier is computed from your browser's IP address and identifier with the day's salt, the same way as when page visits are stored; nothing else is looked up, and nobody else sees your data through this page.\n" +
			"As the identifier changes daily, data from earlier days cannot be linked to you.\n" +
			"Visits to this page are not counted.",
		"selfNeedsJS":  "This page needs JavaScript to fetch the data.",
		"selfCaption":  "Page loads stored today",
		"colTime":      "Time",
		"colPage":      "Page",
		"colLocation":  "Location",
		"colBrowser":   "Browser",
		"colVisible":   "Visible",
		"colReferrer":  "Previous website",
		"refresh":      "Fetch again",
		"erase":        "Delete my data",
		"selfNoScript": `Without JavaScript the data is shown as JSON at <a href="%s">/api/me</a>. Deleting needs JavaScript.`,
		"back":         "Back to the privacy notice",
	},
}

// words is the theme's words in code, Finnish for a language it lacks,
// with notice's note that a translation is one (the standalone copies say
// the same).
func words(code string) map[string]string {
	w, ok := siteWords[code]
	if !ok {
		w = siteWords["fi"]
	}
	if l, ok := notice.LanguageOf(code); ok && l.TranslationNote != "" {
		w = maps.Clone(w)
		w["translationNote"] = l.TranslationNote
	}
	return w
}
