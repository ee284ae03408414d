package dashboard

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/seloste/seloste/analytics"
)

// messages holds the UI text: Finnish first, then Swedish and English. A
// key missing in a language falls back to Finnish, and a missing key shows
// itself, so a gap is visible rather than blank.
var messages = map[string]map[string]string{
	"fi": {
		"title":                             "Kävijätilastot",
		"login.title":                       "Kirjaudu",
		"login.password":                    "Salasana",
		"login.submit":                      "Kirjaudu sisään",
		"login.wrong":                       "Väärä salasana.",
		"login.toomany":                     "Liian monta yritystä. Odota hetki ja yritä uudelleen.",
		"login.stale":                       "Lomake vanheni. Yritä uudelleen.",
		"login.nopassword":                  "Salasanaa ei ole vielä asetettu. Aseta se palvelimella komennolla seloste passwd.",
		"logout":                            "Kirjaudu ulos",
		"site":                              "Sivusto",
		"period":                            "Aikaväli",
		"period.today":                      "Tänään",
		"period.7d":                         "7 päivää",
		"period.30d":                        "30 päivää",
		"period.month":                      "Tämä kuukausi",
		"period.year":                       "Tämä vuosi",
		"period.custom":                     "Oma aikaväli",
		"from":                              "Alkaen",
		"to":                                "Päättyen",
		"show":                              "Näytä",
		"realtime":                          "Paikalla nyt",
		"realtime.note":                     "kävijää viimeisten 5 minuutin aikana",
		"imported.included":                 "Mukana tuotuja tilastoja %s (%d päivää ennen ensimmäistä omaa sivulatausta); kaaviossa ne on merkitty taustavärillä.",
		"imported.exclude":                  "Näytä ilman tuotuja tilastoja",
		"imported.excluded":                 "Tuodut tilastot on jätetty pois.",
		"imported.include":                  "Näytä tuodut tilastot",
		"consent.rate":                      "Tilastot kattavat %s käynneistä, joilla suostumusta kysyttiin: pyyntö näytettiin %s kertaa, hyväksyttiin %s ja hylättiin %s kertaa.",
		"consent.norate":                    "Suostumuspyyntöä ei näytetty tällä jaksolla; siihen vastattiin %s kertaa (hyväksyttiin %s, hylättiin %s).",
		"imported.filters":                  "Tuotuja tilastoja ei lasketa mukaan: rajaukset koskevat kahta tietoryhmää, joita tuodut päiväsummat eivät yhdistä.",
		"imported.legend":                   "tuotu",
		"filters":                           "Rajaukset",
		"filter.remove":                     "Poista rajaus",
		"filter.clear":                      "Poista kaikki rajaukset",
		"filter.add":                        "Rajaa tähän",
		"previous":                          "edellinen jakso",
		"new":                               "uusi",
		"total.visitors":                    "Kävijät",
		"total.visits":                      "Käynnit",
		"total.pageviews":                   "Sivulataukset",
		"total.vpv":                         "Sivuja käyntiä kohden",
		"total.bounce":                      "Välitön poistuminen",
		"total.duration":                    "Käynnin kesto",
		"total.timeonpage":                  "Aika sivulla",
		"total.bots":                        "Botit (suodatettu)",
		"chart":                             "Kävijät ja sivulataukset",
		"chart.desc":                        "Kävijöitä yhteensä %s ja sivulatauksia %s aikavälillä %s. Eniten kävijöitä %s: %s.",
		"chart.empty":                       "Ei sivulatauksia tällä aikavälillä.",
		"visitors":                          "Kävijät",
		"pageviews":                         "Sivulataukset",
		"avgtime":                           "Aika sivulla",
		"avgscroll":                         "Vieritetty",
		"avgscroll.title":                   "Keskimäärin kuinka suuri osa sivusta oli näkyvissä",
		"share":                             "Osuus",
		"csv":                               "Lataa CSV",
		"norows":                            "Ei tietoja.",
		"other":                             "(muut)",
		"unknown":                           "(tuntematon)",
		"direct":                            "(suora)",
		"dim.page":                          "Sivut",
		"dim.goals":                         "Tavoitteet",
		"dim.events":                        "Tapahtumat",
		"dim.props":                         "Tapahtumien ominaisuudet",
		"dim.funnels":                       "Suppilot",
		"events":                            "Tapahtumat",
		"dim.entry_page":                    "Sisääntulosivut",
		"dim.exit_page":                     "Poistumissivut",
		"dim.referrer":                      "Viittaavat sivustot",
		"dim.utm_source":                    "UTM-lähteet",
		"dim.utm_medium":                    "UTM-mediat",
		"dim.utm_campaign":                  "UTM-kampanjat",
		"dim.channel":                       "Kanavat",
		"one.channel":                       "Kanava",
		"one.goal":                          "Tavoite",
		"channel.Direct":                    "Suora",
		"channel.Organic Search":            "Hakukoneet",
		"channel.Paid Search":               "Maksettu haku",
		"channel.Organic Social":            "Sosiaalinen media",
		"channel.Paid Social":               "Maksettu sosiaalinen media",
		"channel.Organic Video":             "Video",
		"channel.Paid Video":                "Maksettu video",
		"channel.Organic Shopping":          "Verkkokaupat",
		"channel.Paid Shopping":             "Maksettu ostosmainonta",
		"channel.Display":                   "Bannerimainonta",
		"channel.Paid Other":                "Muu maksettu",
		"channel.Cross-network":             "Monikanavakampanjat",
		"channel.Email":                     "Sähköposti",
		"channel.Affiliates":                "Kumppaniohjelmat",
		"channel.Referral":                  "Viittaavat sivustot",
		"channel.Audio":                     "Ääni",
		"channel.SMS":                       "Tekstiviesti",
		"channel.Mobile Push Notifications": "Mobiili-ilmoitukset",
		"channel.Unassigned":                "Luokittelematon",
		"dim.country":                       "Maat",
		"dim.region":                        "Alueet",
		"dim.city":                          "Kaupungit",
		"dim.browser":                       "Selaimet",
		"dim.os":                            "Käyttöjärjestelmät",
		"dim.device":                        "Laitteet",
		"one.page":                          "Sivu",
		"one.entry_page":                    "Sisääntulosivu",
		"one.exit_page":                     "Poistumissivu",
		"one.referrer":                      "Viittaaja",
		"one.utm_source":                    "UTM-lähde",
		"one.utm_medium":                    "UTM-media",
		"one.utm_campaign":                  "UTM-kampanja",
		"one.country":                       "Maa",
		"one.region":                        "Alue",
		"one.city":                          "Kaupunki",
		"one.browser":                       "Selain",
		"one.os":                            "Käyttöjärjestelmä",
		"one.device":                        "Laite",
		"device.desktop":                    "tietokone",
		"device.mobile":                     "puhelin",
		"device.tablet":                     "tabletti",
		"sharelink":                         "Julkinen jakolinkki",
		"sharelink.none":                    "Tällä sivustolla ei ole julkista jakolinkkiä. Linkin avaaja näkee tilastot ilman kirjautumista, mutta ei rajauksia eikä alle %d kävijän rivejä.",
		"sharelink.has":                     "Kuka tahansa linkin saanut näkee nämä tilastot ilman kirjautumista (ei rajauksia, alle %d kävijän rivit yhdistetty).",
		"sharelink.create":                  "Luo jakolinkki",
		"sharelink.delete":                  "Poista jakolinkki",
		"shared":                            "Julkiset kävijätilastot",
		"shared.note":                       "Vain koostetut luvut; alle %d kävijän rivit on yhdistetty riviin (muut).",
		"error.report":                      "Raporttia ei voitu laskea. Yritä hetken päästä uudelleen.",
		"error.report_slow":                 "Raportin laskeminen kesti liian kauan. Valitse lyhyempi aikaväli tai vähemmän suodattimia.",
		"generated":                         "Laskettu",
		"period.compare":                    "Vertailu edelliseen yhtä pitkään jaksoon",
		"kanon":                             "Alle %d kävijän rivit on yhdistetty riviin (muut).",
		"skip":                              "Siirry sisältöön",
		"breakdowns":                        "Erittelyt",
		"lessthan":                          "alle %d",
		"filter.applied":                    "Rajattu",
		"totals":                            "Yhteenveto",
		"seconds.short":                     "s",
		"minutes.short":                     "min",
		"hours.short":                       "h",
		"week.short":                        "vk",
		"pp":                                "%-yks.",
		"withheld":                          "Ei näytetä: alle tietosuojarajan kävijää",
		"change.up":                         "nousua",
		"change.down":                       "laskua",
		"change.same":                       "ei muutosta",
		"login.intro":                       "Kirjaudu nähdäksesi sivuston kävijätilastot.",
		"sharelink.warning":                 "Jakolinkki on salasana: anna se vain niille, joille tilastot saa näyttää.",
		"firstrun.title":                    "Odotetaan ensimmäistä sivulatausta",
		"firstrun.intro":                    "Sivustolta %s ei ole vielä tallennettu yhtään sivulatausta. Lisää tämä rivi sivuston jokaiselle sivulle ennen </body>-tagia:",
		"firstrun.tag":                      "Seurantakoodi sivustolle %s",
		"firstrun.select":                   "Napsauta koodia, niin se valitaan kokonaan, ja kopioi se.",
		"firstrun.try":                      "Kokeile",
		"firstrun.browser":                  "Avaa jokin sivustosi sivu tavallisella selaimella. Headless-selaimet (esimerkiksi automaattiset testit) lasketaan boteiksi, eikä niiden sivulatauksia tallenneta.",
		"firstrun.bots":                     "Botteja tähän mennessä: %s. Koodi toimii, mutta selain tunnistettiin botiksi.",
		"firstrun.nogeo":                    "Sijaintitietokantaa ei ole: sijainnit näkyvät muodossa (tuntematon). Asenna tietokanta komennolla seloste geoip update ja käynnistä seloste serve uudelleen.",
		"firstrun.refresh":                  "Tämä sivu päivittyy itsestään %d sekunnin välein, kunnes ensimmäinen sivulataus saapuu.",

		// Event panels, the chart's table and error messages.
		"one.event":               "Tapahtuma",
		"one.prop":                "Tapahtuma · ominaisuus = arvo",
		"one.step":                "Vaihe",
		"goal.conversions":        "Konversiot",
		"goal.visitors":           "Konvertoineet kävijät",
		"goal.rate":               "Konversioaste",
		"goal.rate.title":         "Konvertoineiden kävijöiden osuus jakson kävijöistä",
		"funnel.conversion":       "Vaiheen konversio",
		"funnel.conversion.title": "Osuus edellisen vaiheen kävijöistä",
		"funnel.dropoff":          "Pudonneet",
		"funnel.dropoff.pct":      "Pudonneet %",
		"funnel.dropoff.title":    "Edellisen vaiheen kävijät, jotka eivät jatkaneet tähän vaiheeseen",
		"dim.funnel":              "Suppilo: %s",
		"chart.data":              "Kaavion luvut taulukkona",
		"chart.when":              "Ajankohta",
		"err.site":                "Tuntematon sivusto %[1]q. Määritellyt sivustot: %[2]s.",
		"err.periodboth":          "Anna joko aikaväli tai alku- ja loppupäivä, ei molempia.",
		"err.period":              "Tuntematon aikaväli %[1]q. Valitse aikaväli yläpuolelta.",
		"err.date":                "Päivämäärä ei kelpaa. Anna alku- ja loppupäivä muodossa VVVV-KK-PP, alkupäivä ennen loppupäivää.",
		"err.filter":              "Rajaus %[1]q ei kelpaa. Poista se ja valitse rajaus taulukon riviltä.",
		"err.imported":            "Parametri imported=%[1]q ei kelpaa: imported=false jättää tuodut tilastot pois.",
		"err.goal":                "Tavoitetta %[1]q ei ole määritelty.",
		"err.limit":               "Parametri limit=%[1]q ei kelpaa: anna kokonaisluku 0–%[3]d.",
		"err.breakdown":           "Tuntematon taulukko %[1]q.",
		"err.credentials":         "Käyttäjätietoja ei voitu lukea. Yritä hetken kuluttua uudelleen; syy näkyy palvelimen lokissa.",
		"err.form":                "Lomakkeen tiedot eivät kelpaa. Lataa sivu uudelleen ja yritä uudestaan.",
		"err.csrf":                "Lomake on vanhentunut tai väärennetty (CSRF-tunniste puuttuu tai on väärä). Lataa sivu uudelleen ja yritä uudestaan.",
		"err.crossorigin":         "Toiselta sivustolta tullut pyyntö torjuttiin.",
		"err.session":             "Istuntoa ei voitu luoda. Yritä uudelleen.",
		"err.logout":              "Uloskirjautuminen ei onnistunut: palvelin ei voi kirjoittaa käyttäjätiedostoa.",
		"err.action":              "Tuntematon toiminto: sallitut ovat create ja delete.",
		"err.sharesave":           "Jakolinkkiä ei voitu tallentaa. Syy näkyy palvelimen lokissa.",
		"err.noteaction":          "Tuntematon toiminto: sallitut ovat add ja delete.",
		"err.useraction":          "Tuntematon toiminto: sallitut ovat remove ja invite.",
		"err.auditread":           "Tapahtumalokia ei voitu lukea. Syy näkyy palvelimen lokissa.",
		"err.passwordsave":        "Salasanaa ei voitu tallentaa: palvelin ei voi kirjoittaa käyttäjätiedostoa.",
		"err.notesave":            "Merkintää ei voitu tallentaa. Syy näkyy palvelimen lokissa.",
		"err.toomany":             "Liian monta pyyntöä. Yritä hetken kuluttua uudelleen.",
		"err.csv":                 "CSV-tiedostoa ei voitu kirjoittaa. Syy näkyy palvelimen lokissa.",
		"untimed":                 "Ei mitattua aikaa sivulla: tuoduissa päivissä aikaa ei ole",
		// notes, page trends, the AI channel
		"channel.AI Assistants": "Tekoälyavustajat",
		"notes.title":           "Merkinnät",
		"notes.none":            "Ei merkintöjä tällä aikavälillä.",
		"notes.day":             "Päivä",
		"notes.text":            "Merkintä",
		"notes.add":             "Lisää merkintä",
		"notes.delete":          "Poista",
		"notes.help":            "Merkinnät (esim. uusi hinnasto tai julkaisu) näkyvät kaaviossa kirjautuneille. Ne ovat sivuston omistajan tietoja, eivät kävijöiden, eikä jakolinkin sivu näytä niitä.",
		"notes.err.empty":       "Merkintä on tyhjä.",
		"notes.err.long":        "Merkintä on liian pitkä: enintään %d merkkiä.",
		"notes.err.chars":       "Merkinnässä on rivinvaihtoja tai muita ohjausmerkkejä: kirjoita se yhdelle riville.",
		"notes.err.day":         "Päivä puuttuu tai ei ole päivämäärä.",
		"trend":                 "Kehitys",
		"trend.title":           "Sivun %s kävijät %s–%s: %s",
	},
	"sv": {
		"title":                             "Besöksstatistik",
		"login.title":                       "Logga in",
		"login.password":                    "Lösenord",
		"login.submit":                      "Logga in",
		"login.wrong":                       "Fel lösenord.",
		"login.toomany":                     "För många försök. Vänta en stund och försök igen.",
		"login.stale":                       "Formuläret har gått ut. Försök igen.",
		"login.nopassword":                  "Inget lösenord har ställts in ännu. Ställ in det på servern med kommandot seloste passwd.",
		"logout":                            "Logga ut",
		"site":                              "Webbplats",
		"period":                            "Period",
		"period.today":                      "I dag",
		"period.7d":                         "7 dagar",
		"period.30d":                        "30 dagar",
		"period.month":                      "Denna månad",
		"period.year":                       "Detta år",
		"period.custom":                     "Egen period",
		"from":                              "Från",
		"to":                                "Till",
		"show":                              "Visa",
		"realtime":                          "Besökare nu",
		"realtime.note":                     "besökare under de senaste 5 minuterna",
		"imported.included":                 "Importerad statistik ingår %s (%d dagar före den första egna sidvisningen); i diagrammet är den markerad med bakgrundsfärg.",
		"imported.exclude":                  "Visa utan importerad statistik",
		"imported.excluded":                 "Importerad statistik har utelämnats.",
		"imported.include":                  "Visa importerad statistik",
		"consent.rate":                      "Statistiken täcker %s av de besök där samtycke begärdes: begäran visades %s gånger, godkändes %s och avböjdes %s gånger.",
		"consent.norate":                    "Begäran om samtycke visades inte under perioden; den besvarades %s gånger (godkändes %s, avböjdes %s).",
		"imported.filters":                  "Importerad statistik räknas inte med: filtren gäller två datagrupper som de importerade dagssummorna inte kombinerar.",
		"imported.legend":                   "importerat",
		"filters":                           "Filter",
		"filter.remove":                     "Ta bort filtret",
		"filter.clear":                      "Ta bort alla filter",
		"filter.add":                        "Filtrera på detta",
		"previous":                          "föregående period",
		"new":                               "ny",
		"total.visitors":                    "Besökare",
		"total.visits":                      "Besök",
		"total.pageviews":                   "Sidvisningar",
		"total.vpv":                         "Sidor per besök",
		"total.bounce":                      "Avvisningsfrekvens",
		"total.duration":                    "Besökets längd",
		"total.timeonpage":                  "Tid på sidan",
		"total.bots":                        "Robotar (bortfiltrerade)",
		"chart":                             "Besökare och sidvisningar",
		"chart.desc":                        "Sammanlagt %s besökare och %s sidvisningar under perioden %s. Flest besökare %s: %s.",
		"chart.empty":                       "Inga sidvisningar under denna period.",
		"visitors":                          "Besökare",
		"pageviews":                         "Sidvisningar",
		"avgtime":                           "Tid på sidan",
		"avgscroll":                         "Skrollat",
		"avgscroll.title":                   "Hur stor del av sidan som i genomsnitt var synlig",
		"share":                             "Andel",
		"csv":                               "Ladda ner CSV",
		"norows":                            "Inga uppgifter.",
		"other":                             "(övriga)",
		"unknown":                           "(okänd)",
		"direct":                            "(direkt)",
		"dim.page":                          "Sidor",
		"dim.goals":                         "Mål",
		"dim.events":                        "Händelser",
		"dim.props":                         "Händelsernas egenskaper",
		"dim.funnels":                       "Trattar",
		"events":                            "Händelser",
		"dim.entry_page":                    "Ingångssidor",
		"dim.exit_page":                     "Utgångssidor",
		"dim.referrer":                      "Hänvisande webbplatser",
		"dim.utm_source":                    "UTM-källor",
		"dim.utm_medium":                    "UTM-medier",
		"dim.utm_campaign":                  "UTM-kampanjer",
		"dim.channel":                       "Kanaler",
		"one.channel":                       "Kanal",
		"one.goal":                          "Mål",
		"channel.Direct":                    "Direkt",
		"channel.Organic Search":            "Sökmotorer",
		"channel.Paid Search":               "Betald sökning",
		"channel.Organic Social":            "Sociala medier",
		"channel.Paid Social":               "Betalda sociala medier",
		"channel.Organic Video":             "Video",
		"channel.Paid Video":                "Betald video",
		"channel.Organic Shopping":          "Webbutiker",
		"channel.Paid Shopping":             "Betald shoppingannonsering",
		"channel.Display":                   "Bannerannonsering",
		"channel.Paid Other":                "Övrig betald",
		"channel.Cross-network":             "Flerkanalskampanjer",
		"channel.Email":                     "E-post",
		"channel.Affiliates":                "Partnerprogram",
		"channel.Referral":                  "Hänvisande webbplatser",
		"channel.Audio":                     "Ljud",
		"channel.SMS":                       "Textmeddelande",
		"channel.Mobile Push Notifications": "Mobilaviseringar",
		"channel.Unassigned":                "Oklassificerad",
		"dim.country":                       "Länder",
		"dim.region":                        "Regioner",
		"dim.city":                          "Städer",
		"dim.browser":                       "Webbläsare",
		"dim.os":                            "Operativsystem",
		"dim.device":                        "Enheter",
		"one.page":                          "Sida",
		"one.entry_page":                    "Ingångssida",
		"one.exit_page":                     "Utgångssida",
		"one.referrer":                      "Hänvisare",
		"one.utm_source":                    "UTM-källa",
		"one.utm_medium":                    "UTM-medium",
		"one.utm_campaign":                  "UTM-kampanj",
		"one.country":                       "Land",
		"one.region":                        "Region",
		"one.city":                          "Stad",
		"one.browser":                       "Webbläsare",
		"one.os":                            "Operativsystem",
		"one.device":                        "Enhet",
		"device.desktop":                    "dator",
		"device.mobile":                     "telefon",
		"device.tablet":                     "surfplatta",
		"sharelink":                         "Offentlig delningslänk",
		"sharelink.none":                    "Denna webbplats har ingen offentlig delningslänk. Den som öppnar en sådan ser statistiken utan att logga in, men inga filter och inga rader med färre än %d besökare.",
		"sharelink.has":                     "Vem som helst som har fått länken ser denna statistik utan att logga in (inga filter, rader med färre än %d besökare sammanslagna).",
		"sharelink.create":                  "Skapa delningslänk",
		"sharelink.delete":                  "Ta bort delningslänken",
		"shared":                            "Offentlig besöksstatistik",
		"shared.note":                       "Endast sammanställda siffror; rader med färre än %d besökare har slagits samman till raden (övriga).",
		"error.report":                      "Rapporten kunde inte beräknas. Försök igen om en stund.",
		"error.report_slow":                 "Rapporten tog för lång tid att beräkna. Välj en kortare period eller färre filter.",
		"generated":                         "Beräknad",
		"period.compare":                    "Jämfört med föregående lika långa period",
		"kanon":                             "Rader med färre än %d besökare har slagits samman till raden (övriga).",
		"skip":                              "Hoppa till innehållet",
		"breakdowns":                        "Fördelningar",
		"lessthan":                          "under %d",
		"filter.applied":                    "Filtrerad",
		"totals":                            "Sammanfattning",
		"seconds.short":                     "s",
		"minutes.short":                     "min",
		"hours.short":                       "h",
		"week.short":                        "v.",
		"pp":                                "%-enh.",
		"withheld":                          "Visas inte: färre besökare än integritetsgränsen",
		"change.up":                         "ökning",
		"change.down":                       "minskning",
		"change.same":                       "ingen förändring",
		"login.intro":                       "Logga in för att se webbplatsens besöksstatistik.",
		"sharelink.warning":                 "Delningslänken är en hemlighet: ge den bara till dem som får se statistiken.",
		"firstrun.title":                    "Väntar på den första sidvisningen",
		"firstrun.intro":                    "Ingen sidvisning har ännu sparats för %s. Lägg till den här raden på varje sida på webbplatsen, före </body>-taggen:",
		"firstrun.tag":                      "Spårningskod för %s",
		"firstrun.select":                   "Klicka på koden så markeras den i sin helhet, och kopiera den.",
		"firstrun.try":                      "Prova",
		"firstrun.browser":                  "Öppna en sida på din webbplats i en vanlig webbläsare. Huvudlösa webbläsare (till exempel automatiska tester) räknas som robotar och deras sidvisningar sparas inte.",
		"firstrun.bots":                     "Robotträffar hittills: %s. Koden fungerar, men webbläsaren räknades som en robot.",
		"firstrun.nogeo":                    "Ingen platsdatabas: platser visas som (okänd). Installera en med seloste geoip update och starta om seloste serve.",
		"firstrun.refresh":                  "Sidan uppdateras själv var %d:e sekund tills den första sidvisningen kommer.",

		// Event panels, the chart's table and error messages.
		"one.event":               "Händelse",
		"one.prop":                "Händelse · egenskap = värde",
		"one.step":                "Steg",
		"goal.conversions":        "Konverteringar",
		"goal.visitors":           "Konverterade besökare",
		"goal.rate":               "Konverteringsgrad",
		"goal.rate.title":         "Andelen av periodens besökare som konverterade",
		"funnel.conversion":       "Stegets konvertering",
		"funnel.conversion.title": "Andel av föregående stegs besökare",
		"funnel.dropoff":          "Föll bort",
		"funnel.dropoff.pct":      "Föll bort %",
		"funnel.dropoff.title":    "Besökare i föregående steg som inte gick vidare till detta steg",
		"dim.funnel":              "Tratt: %s",
		"chart.data":              "Diagrammets siffror som tabell",
		"chart.when":              "Tidpunkt",
		"err.site":                "Okänd webbplats %[1]q. Konfigurerade webbplatser: %[2]s.",
		"err.periodboth":          "Ange antingen en period eller start- och slutdag, inte båda.",
		"err.period":              "Okänd period %[1]q. Välj en period ovan.",
		"err.date":                "Datumet är ogiltigt. Ange start- och slutdag som ÅÅÅÅ-MM-DD, startdagen före slutdagen.",
		"err.filter":              "Filtret %[1]q är ogiltigt. Ta bort det och välj ett filter på en tabellrad.",
		"err.imported":            "Parametern imported=%[1]q är ogiltig: imported=false utesluter importerad statistik.",
		"err.goal":                "Målet %[1]q är inte konfigurerat.",
		"err.limit":               "Parametern limit=%[1]q är ogiltig: ange ett heltal 0–%[3]d.",
		"err.breakdown":           "Okänd tabell %[1]q.",
		"err.credentials":         "Användaruppgifterna kunde inte läsas. Försök igen om en stund; orsaken finns i serverns logg.",
		"err.form":                "Formulärets uppgifter är ogiltiga. Ladda om sidan och försök igen.",
		"err.csrf":                "Formuläret har gått ut eller är förfalskat (CSRF-token saknas eller är fel). Ladda om sidan och försök igen.",
		"err.crossorigin":         "En begäran från en annan webbplats avvisades.",
		"err.session":             "Sessionen kunde inte skapas. Försök igen.",
		"err.logout":              "Utloggningen misslyckades: servern kan inte skriva användarfilen.",
		"err.action":              "Okänd åtgärd: tillåtna är create och delete.",
		"err.sharesave":           "Delningslänken kunde inte sparas. Orsaken finns i serverns logg.",
		"err.noteaction":          "Okänd åtgärd: tillåtna är add och delete.",
		"err.useraction":          "Okänd åtgärd: tillåtna är remove och invite.",
		"err.auditread":           "Händelseloggen kunde inte läsas. Orsaken finns i serverns logg.",
		"err.passwordsave":        "Lösenordet kunde inte sparas: servern kan inte skriva användarfilen.",
		"err.notesave":            "Anteckningen kunde inte sparas. Orsaken finns i serverns logg.",
		"err.toomany":             "För många förfrågningar. Försök igen om en stund.",
		"err.csv":                 "CSV-filen kunde inte skrivas. Orsaken finns i serverns logg.",
		"untimed":                 "Ingen uppmätt tid på sidan: importerade dagar har ingen",
		// notes, page trends, the AI channel
		"channel.AI Assistants": "AI-assistenter",
		"notes.title":           "Anteckningar",
		"notes.none":            "Inga anteckningar under perioden.",
		"notes.day":             "Dag",
		"notes.text":            "Anteckning",
		"notes.add":             "Lägg till anteckning",
		"notes.delete":          "Ta bort",
		"notes.help":            "Anteckningar (t.ex. en ny prislista eller en publicering) visas i diagrammet för inloggade. De är webbplatsägarens uppgifter, inte besökarnas, och delningslänkens sida visar dem inte.",
		"notes.err.empty":       "Anteckningen är tom.",
		"notes.err.long":        "Anteckningen är för lång: högst %d tecken.",
		"notes.err.chars":       "Anteckningen innehåller radbrytningar eller andra styrtecken: skriv den på en rad.",
		"notes.err.day":         "Dagen saknas eller är inte ett datum.",
		"trend":                 "Utveckling",
		"trend.title":           "Besökare på %s %s–%s: %s",
	},
	"en": {
		"title":             "Visitor statistics",
		"login.title":       "Log in",
		"login.password":    "Password",
		"login.submit":      "Log in",
		"login.wrong":       "Wrong password.",
		"login.toomany":     "Too many attempts. Wait a moment and try again.",
		"login.stale":       "The form expired. Please try again.",
		"login.nopassword":  "No password has been set yet. Set one on the server with: seloste passwd.",
		"logout":            "Log out",
		"site":              "Site",
		"period":            "Period",
		"period.today":      "Today",
		"period.7d":         "7 days",
		"period.30d":        "30 days",
		"period.month":      "This month",
		"period.year":       "This year",
		"period.custom":     "Custom range",
		"from":              "From",
		"to":                "To",
		"show":              "Show",
		"realtime":          "Visitors now",
		"realtime.note":     "visitors in the last 5 minutes",
		"imported.included": "Includes imported statistics %s (%d days before the first page view collected here); the chart marks them with a background colour.",
		"imported.exclude":  "Show without imported statistics",
		"imported.excluded": "Imported statistics are left out.",
		"imported.include":  "Show imported statistics",
		"consent.rate":      "The statistics cover %s of the visits that were asked for consent: the request was shown %s times, accepted %s and declined %s times.",
		"consent.norate":    "The request for consent was not shown in this period; it was answered %s times (accepted %s, declined %s).",
		"imported.filters":  "Imported statistics are not counted: the filters concern two groups of data that the imported daily sums do not combine.",
		"imported.legend":   "imported",
		"filters":           "Filters",
		"filter.remove":     "Remove filter",
		"filter.clear":      "Remove all filters",
		"filter.add":        "Filter by this",
		"previous":          "previous period",
		"new":               "new",
		"total.visitors":    "Visitors",
		"total.visits":      "Visits",
		"total.pageviews":   "Pageviews",
		"total.vpv":         "Views per visit",
		"total.bounce":      "Bounce rate",
		"total.duration":    "Visit duration",
		"total.timeonpage":  "Time on page",
		"total.bots":        "Bots (filtered)",
		"chart":             "Visitors and pageviews",
		"chart.desc":        "%s visitors and %s pageviews in %s. Most visitors on %s: %s.",
		"chart.empty":       "No pageviews in this period.",
		"visitors":          "Visitors",
		"pageviews":         "Pageviews",
		"avgtime":           "Time on page",
		"avgscroll":         "Scrolled",
		"avgscroll.title":   "How much of the page was in view, on average",
		"share":             "Share",
		"csv":               "Download CSV",
		"norows":            "No data.",
		"other":             "(other)",
		"unknown":           "(unknown)",
		"direct":            "(direct)",
		"dim.page":          "Pages",
		"dim.goals":         "Goals",
		"dim.events":        "Events",
		"dim.props":         "Event properties",
		"dim.funnels":       "Funnels",
		"events":            "Events",
		"dim.entry_page":    "Entry pages",
		"dim.exit_page":     "Exit pages",
		"dim.referrer":      "Referrers",
		"dim.utm_source":    "UTM sources",
		"dim.utm_medium":    "UTM media",
		"dim.utm_campaign":  "UTM campaigns",
		"dim.channel":       "Channels",
		"one.channel":       "Channel",
		"one.goal":          "Goal",
		"dim.country":       "Countries",
		"dim.region":        "Regions",
		"dim.city":          "Cities",
		"dim.browser":       "Browsers",
		"dim.os":            "Operating systems",
		"dim.device":        "Devices",
		"one.page":          "Page",
		"one.entry_page":    "Entry page",
		"one.exit_page":     "Exit page",
		"one.referrer":      "Referrer",
		"one.utm_source":    "UTM source",
		"one.utm_medium":    "UTM medium",
		"one.utm_campaign":  "UTM campaign",
		"one.country":       "Country",
		"one.region":        "Region",
		"one.city":          "City",
		"one.browser":       "Browser",
		"one.os":            "Operating system",
		"one.device":        "Device",
		"device.desktop":    "desktop",
		"device.mobile":     "mobile",
		"device.tablet":     "tablet",
		"sharelink":         "Public share link",
		"sharelink.none":    "This site has no public share link. Whoever opens one sees the statistics without logging in, but no filters and no rows under %d visitors.",
		"sharelink.has":     "Anyone with this link sees these statistics without logging in (no filters, rows under %d visitors folded).",
		"sharelink.create":  "Create share link",
		"sharelink.delete":  "Delete share link",
		"shared":            "Public visitor statistics",
		"shared.note":       "Aggregates only; rows with fewer than %d visitors are folded into (other).",
		"error.report":      "The report could not be computed. Try again in a moment.",
		"error.report_slow": "The report took too long to compute. Choose a shorter period or fewer filters.",
		"generated":         "Computed",
		"period.compare":    "Compared with the previous period of equal length",
		"kanon":             "Rows with fewer than %d visitors are folded into (other).",
		"skip":              "Skip to content",
		"breakdowns":        "Breakdowns",
		"lessthan":          "under %d",
		"filter.applied":    "Filtered",
		"totals":            "Summary",
		"seconds.short":     "s",
		"minutes.short":     "min",
		"hours.short":       "h",
		"week.short":        "wk",
		"pp":                "pp",
		"withheld":          "Not shown: fewer visitors than the privacy floor",
		"change.up":         "up",
		"change.down":       "down",
		"change.same":       "no change",
		"login.intro":       "Log in to see the site's visitor statistics.",
		"sharelink.warning": "The share link is a secret: give it only to those who may see the statistics.",
		"firstrun.title":    "Waiting for the first page view",
		"firstrun.intro":    "No page view has been stored for %s yet. Add this line to every page of the site, before the </body> tag:",
		"firstrun.tag":      "Tracker tag for %s",
		"firstrun.select":   "Click the tag to select all of it, then copy it.",
		"firstrun.try":      "Try it",
		"firstrun.browser":  "Open a page of your site in a normal browser. Headless browsers (automated tests, for example) count as bots, and their page views are not stored.",
		"firstrun.bots":     "Bot hits so far: %s. The tag works, but the browser was counted as a bot.",
		"firstrun.nogeo":    "No location database: locations show as (unknown). Install one with seloste geoip update and restart seloste serve.",
		"firstrun.refresh":  "This page reloads itself every %d seconds until the first page view arrives.",

		// Event panels, the chart's table and error messages.
		"one.event":                         "Event",
		"one.prop":                          "Event · property = value",
		"one.step":                          "Step",
		"goal.conversions":                  "Conversions",
		"goal.visitors":                     "Converted visitors",
		"goal.rate":                         "Conversion rate",
		"goal.rate.title":                   "The share of the period's visitors who converted",
		"funnel.conversion":                 "Step conversion",
		"funnel.conversion.title":           "Share of the previous step's visitors",
		"funnel.dropoff":                    "Dropped",
		"funnel.dropoff.pct":                "Dropped %",
		"funnel.dropoff.title":              "Visitors of the previous step who did not go on to this one",
		"dim.funnel":                        "Funnel: %s",
		"chart.data":                        "The chart's numbers as a table",
		"chart.when":                        "Time",
		"err.site":                          "unknown site %[1]q; configured sites: %[2]s",
		"err.periodboth":                    "give either period or from/to, not both",
		"err.period":                        "period %[1]q: use %[2]s",
		"err.date":                          "parameter %[1]s: %[2]v",
		"err.filter":                        "%[2]v",
		"err.imported":                      "imported %[1]q: use imported=false to leave imported data out (true, the default, includes it)",
		"err.goal":                          "goal %[1]q is not configured",
		"err.limit":                         "limit %[1]q: want a whole number from 0 (as many as allowed, %[2]d) to %[3]d",
		"err.breakdown":                     "breakdown: %[2]v",
		"err.credentials":                   "credentials unavailable",
		"err.form":                          "bad form",
		"err.csrf":                          "the form is stale or forged (CSRF token missing or wrong); reload the page and try again",
		"err.crossorigin":                   "cross-origin request refused",
		"err.session":                       "cannot create a session",
		"err.logout":                        "could not log out: the auth file cannot be written",
		"err.action":                        "action must be create or delete",
		"err.sharesave":                     "could not save the share link",
		"err.noteaction":                    "unknown action: add or delete",
		"err.useraction":                    "unknown action: remove or invite",
		"err.auditread":                     "the audit log could not be read; the server's log says why",
		"err.passwordsave":                  "could not save the password: the auth file cannot be written",
		"err.notesave":                      "could not save the note; the server's log says why",
		"err.toomany":                       "too many requests: retry later",
		"err.csv":                           "the CSV could not be written",
		"channel.Direct":                    "Direct",
		"channel.AI Assistants":             "AI assistants",
		"channel.Organic Search":            "Organic Search",
		"channel.Paid Search":               "Paid Search",
		"channel.Organic Social":            "Organic Social",
		"channel.Paid Social":               "Paid Social",
		"channel.Organic Video":             "Organic Video",
		"channel.Paid Video":                "Paid Video",
		"channel.Organic Shopping":          "Organic Shopping",
		"channel.Paid Shopping":             "Paid Shopping",
		"channel.Display":                   "Display",
		"channel.Paid Other":                "Paid Other",
		"channel.Cross-network":             "Cross-network",
		"channel.Email":                     "Email",
		"channel.Affiliates":                "Affiliates",
		"channel.Referral":                  "Referral",
		"channel.Audio":                     "Audio",
		"channel.SMS":                       "SMS",
		"channel.Mobile Push Notifications": "Mobile Push Notifications",
		"channel.Unassigned":                "Unassigned",
		"untimed":                           "No measured time on page: imported days carry none",
		// notes, page trends, the AI channel
		"notes.title":     "Notes",
		"notes.none":      "No notes in this period.",
		"notes.day":       "Day",
		"notes.text":      "Note",
		"notes.add":       "Add note",
		"notes.delete":    "Delete",
		"notes.help":      "Notes (new prices, a deploy) show on the chart to those logged in. They are the site owner's data, not visitors', and the share page does not show them.",
		"notes.err.empty": "The note is empty.",
		"notes.err.long":  "The note is too long: at most %d characters.",
		"notes.err.chars": "The note has line breaks or other control characters: write it on one line.",
		"notes.err.day":   "The day is missing or not a date.",
		"trend":           "Trend",
		"trend.title":     "Visitors of %s, %s–%s: %s",
	},
}

// languages are the dashboard's languages, with their names in themselves
// for the language links.
var languages = []struct{ Code, Name string }{
	{"fi", "Suomeksi"}, {"sv", "På svenska"}, {"en", "In English"},
}

// knownLang reports whether l is one of the dashboard's languages.
func knownLang(l string) bool {
	for _, k := range languages {
		if k.Code == l {
			return true
		}
	}
	return false
}

// langParam is the language asked for in the URL or form, "" if none.
func langParam(r *http.Request) string {
	if l := r.FormValue("lang"); knownLang(l) {
		return l
	}
	return ""
}

// pickLang chooses the UI language: ?lang= first, then the browser's
// Accept-Language (the one of fi, sv and en it prefers most), then Finnish.
func pickLang(r *http.Request) string { return chooseLang(langParam(r), r) }

// errorLang is pickLang for an error answer, which may come before the
// handler has read (and bounded) a form: it reads ?lang= and a form
// already parsed, never the body.
func errorLang(r *http.Request) locale {
	l := r.URL.Query().Get("lang")
	if r.PostForm != nil && r.PostForm.Get("lang") != "" {
		l = r.PostForm.Get("lang")
	}
	if !knownLang(l) {
		l = ""
	}
	return locale(chooseLang(l, r))
}

// chooseLang is asked, when it is one of the languages, else the one of
// fi, sv and en that r's Accept-Language prefers most, else Finnish.
func chooseLang(asked string, r *http.Request) string {
	if asked != "" {
		return asked
	}
	type pref struct {
		lang string
		q    float64
	}
	best := pref{"fi", -1}
	for _, part := range strings.Split(r.Header.Get("Accept-Language"), ",") {
		tag, qs, _ := strings.Cut(strings.TrimSpace(part), ";")
		base, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(tag)), "-")
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(qs), "q="); ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				q = f
			}
		}
		if knownLang(base) && q > best.q {
			best = pref{base, q}
		}
	}
	return best.lang
}

// breaks are where long header words may break, with a hyphen, when a
// narrow column needs it (soft hyphens: invisible otherwise).
var breaks = strings.NewReplacer(
	"Sivulataukset", "Sivu\u00adlataukset",
	"Sidvisningar", "Sid\u00advisningar",
	"Pageviews", "Page\u00adviews",
	"Konversioaste", "Konversio\u00adaste",
	"Konverteringsgrad", "Konverterings\u00adgrad",
	"Konverteringar", "Konverte\u00adringar",
	"Konvertoineet", "Konver\u00adtoineet",
	"Sisääntulosivut", "Sisääntulo\u00adsivut",
	"Poistumissivut", "Poistumis\u00adsivut",
)

// Hy is s with places where a long word may break: for headings of narrow
// columns and cards.
func (l locale) Hy(s string) string { return breaks.Replace(s) }

// locale formats text, numbers, dates and durations for one language.
type locale string

func (l locale) T(key string) string {
	if s, ok := messages[string(l)][key]; ok {
		return s
	}
	if s, ok := messages["fi"][key]; ok {
		return s
	}
	return key
}

// Tf fills in a message's arguments. A language may leave some out: with
// explicit indexes (%[2]s), or a message with no verb at all, which is then
// taken as it is.
func (l locale) Tf(key string, a ...any) string {
	s := l.T(key)
	if !strings.Contains(s, "%") {
		return s
	}
	return fmt.Sprintf(s, a...)
}

// Int groups digits: "12 345" in Finnish and Swedish (no-break space),
// "12,345" in English.
func (l locale) Int(n int64) string {
	s := strconv.FormatInt(max(n, -n), 10)
	sep := "\u00a0"
	if l == "en" {
		sep = ","
	}
	var b strings.Builder
	if n < 0 {
		b.WriteString("−")
	}
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteString(sep)
		}
		b.WriteRune(c)
	}
	return b.String()
}

// Dec formats f with one decimal, dropped when it is zero ("2", "2,5"),
// with a decimal comma in Finnish and Swedish.
func (l locale) Dec(f float64) string {
	return strings.TrimSuffix(strings.TrimSuffix(l.Dec1(f), ",0"), ".0")
}

// Dec1 formats f with exactly one decimal, so that a column of rates
// lines up: "31,0" beside "67,2", never "31".
func (l locale) Dec1(f float64) string {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return "–"
	}
	s := strconv.FormatFloat(f, 'f', 1, 64)
	if s == "-0.0" {
		s = "0.0"
	}
	if l != "en" {
		s = strings.Replace(s, ".", ",", 1)
	}
	return strings.Replace(s, "-", "−", 1)
}

// Pct formats a share 0..1 as a percentage with one decimal: "31,0 %"
// in Finnish and Swedish (no-break space), "31.0%" in English.
func (l locale) Pct(f float64) string {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return "–"
	}
	if l != "en" {
		return l.Dec1(f*100) + "\u00a0%"
	}
	return l.Dec1(f*100) + "%"
}

// Dur formats seconds as "1 min 5 s" or "1 h 2 min".
func (l locale) Dur(secs float64) string {
	if math.IsNaN(secs) || secs < 0 {
		return "–"
	}
	s := int64(math.Round(secs))
	h, m := s/3600, s%3600/60
	s %= 60
	sp := "\u00a0"
	switch {
	case h > 0:
		return fmt.Sprintf("%d%s%s %d%s%s", h, sp, l.T("hours.short"), m, sp, l.T("minutes.short"))
	case m > 0:
		return fmt.Sprintf("%d%s%s %d%s%s", m, sp, l.T("minutes.short"), s, sp, l.T("seconds.short"))
	}
	return fmt.Sprintf("%d%s%s", s, sp, l.T("seconds.short"))
}

// Date formats a day: 25.11.2026 in Finnish and in Finland's Swedish, 25
// Nov 2026 in English.
func (l locale) Date(t time.Time) string {
	if l == "en" {
		return t.Format("2 Jan 2006")
	}
	return t.Format("2.1.2006")
}

// Range formats an inclusive range of days.
func (l locale) Range(from, to time.Time) string {
	if from.Equal(to) {
		return l.Date(from)
	}
	return l.Date(from) + "–" + l.Date(to)
}

// Bucket labels one time-series point on the chart's axis.
func (l locale) Bucket(t time.Time, iv analytics.Interval) string {
	switch iv {
	case analytics.Hour:
		return t.Format("15")
	case analytics.Week:
		_, w := t.ISOWeek()
		return fmt.Sprintf("%s\u00a0%d", l.T("week.short"), w)
	case analytics.Month:
		if l == "en" {
			return t.Format("Jan 2006")
		}
		return t.Format("1/2006")
	}
	if l == "en" {
		return t.Format("2 Jan")
	}
	return t.Format("2.1.")
}

// BucketLong names one point in full, for the chart's description.
func (l locale) BucketLong(t time.Time, iv analytics.Interval) string {
	switch iv {
	case analytics.Hour:
		return l.Date(t) + " " + t.Format("15:04")
	case analytics.Week, analytics.Month:
		return l.Bucket(t, iv)
	}
	return l.Date(t)
}

// userMessages are the texts of users, roles, invitations and the audit
// log (users.go), in their own block so that they read together; init
// adds them to messages. A key here replaces one there (login.wrong: a
// login now names a user).
var userMessages = map[string]map[string]string{
	"fi": {
		"forbidden":           "Tämä ei ole sallittua tälle käyttäjälle. Pyydä ylläpitäjää.",
		"login.name":          "Käyttäjänimi",
		"login.wrong":         "Väärä käyttäjänimi tai salasana.",
		"back":                "Takaisin tilastoihin",
		"users.nav":           "Käyttäjä",
		"users.title":         "Käyttäjät",
		"users.intro":         "Ylläpitäjä näkee kaikki sivustot ja hallitsee käyttäjiä, jakolinkkejä ja tunnisteita. Katselija näkee vain omien sivustojensa tilastot.",
		"users.name":          "Nimi",
		"users.role":          "Rooli",
		"users.sites":         "Sivustot",
		"users.email":         "Sähköposti",
		"users.created":       "Lisätty",
		"users.actions":       "Toiminnot",
		"users.invited":       "kutsuttu, ei salasanaa vielä",
		"users.newinvite":     "Uusi kutsulinkki",
		"users.remove":        "Poista",
		"users.allsites":      "kaikki",
		"users.notself":       "Et voi poistaa itseäsi.",
		"users.invitelink":    "Kutsulinkki (näytetään vain nyt, toimii kerran ja vanhenee 72 tunnissa). Lähetä se henkilölle:",
		"users.cli":           "Uuden käyttäjän lisäät palvelimella: seloste user add NIMI -role viewer -sites sivusto.fi",
		"role.admin":          "ylläpitäjä",
		"role.viewer":         "katselija",
		"audit.title":         "Tapahtumaloki",
		"audit.intro":         "Kuka kirjautui ja kuka muutti mitä, uusin ensin. Loki ei sisällä kävijöiden tietoja.",
		"audit.none":          "Tämä tallennus ei pidä tapahtumalokia.",
		"audit.time":          "Aika",
		"audit.actor":         "Käyttäjä",
		"audit.action":        "Tapahtuma",
		"audit.target":        "Kohde",
		"audit.login":         "kirjautui",
		"audit.login.failed":  "kirjautuminen epäonnistui",
		"audit.logout":        "kirjautui ulos",
		"audit.user.add":      "lisäsi käyttäjän",
		"audit.user.remove":   "poisti käyttäjän",
		"audit.user.password": "asetti salasanan",
		"audit.user.invite":   "loi kutsulinkin",
		"audit.share.create":  "loi jakolinkin",
		"audit.share.delete":  "poisti jakolinkin",
		"audit.token.create":  "loi API-tunnisteen",
		"audit.token.revoke":  "mitätöi API-tunnisteen",
		"invite.title":        "Aseta salasana",
		"invite.intro":        "Sinut on kutsuttu katsomaan kävijätilastoja käyttäjänä %s. Valitse salasana (vähintään 12 merkkiä).",
		"invite.password":     "Uusi salasana",
		"invite.again":        "Toista salasana",
		"invite.submit":       "Aseta salasana ja kirjaudu",
		"invite.invalid":      "Kutsulinkki on jo käytetty, vanhentunut tai tuntematon. Pyydä ylläpitäjältä uusi.",
		"invite.differ":       "Salasanat eroavat. Kirjoita sama salasana kahdesti.",
		"invite.weak":         "Salasana on liian lyhyt tai alkaa tai päättyy välilyöntiin. Käytä vähintään 12 merkkiä.",
	},
	"sv": {
		"forbidden":           "Den här användaren får inte göra detta. Fråga en administratör.",
		"login.name":          "Användarnamn",
		"login.wrong":         "Fel användarnamn eller lösenord.",
		"back":                "Tillbaka till statistiken",
		"users.nav":           "Användare",
		"users.title":         "Användare",
		"users.intro":         "En administratör ser alla webbplatser och hanterar användare, delningslänkar och nycklar. En läsare ser bara statistiken för sina egna webbplatser.",
		"users.name":          "Namn",
		"users.role":          "Roll",
		"users.sites":         "Webbplatser",
		"users.email":         "E-post",
		"users.created":       "Tillagd",
		"users.actions":       "Åtgärder",
		"users.invited":       "inbjuden, inget lösenord ännu",
		"users.newinvite":     "Ny inbjudningslänk",
		"users.remove":        "Ta bort",
		"users.allsites":      "alla",
		"users.notself":       "Du kan inte ta bort dig själv.",
		"users.invitelink":    "Inbjudningslänk (visas bara nu, fungerar en gång och går ut om 72 timmar). Skicka den till personen:",
		"users.cli":           "En ny användare lägger du till på servern: seloste user add NAMN -role viewer -sites webbplats.fi",
		"role.admin":          "administratör",
		"role.viewer":         "läsare",
		"audit.title":         "Händelselogg",
		"audit.intro":         "Vem som loggade in och vem som ändrade vad, nyaste först. Loggen innehåller inga uppgifter om besökare.",
		"audit.none":          "Den här lagringen för ingen händelselogg.",
		"audit.time":          "Tid",
		"audit.actor":         "Användare",
		"audit.action":        "Händelse",
		"audit.target":        "Mål",
		"audit.login":         "loggade in",
		"audit.login.failed":  "inloggningen misslyckades",
		"audit.logout":        "loggade ut",
		"audit.user.add":      "lade till en användare",
		"audit.user.remove":   "tog bort en användare",
		"audit.user.password": "satte ett lösenord",
		"audit.user.invite":   "skapade en inbjudningslänk",
		"audit.share.create":  "skapade en delningslänk",
		"audit.share.delete":  "tog bort en delningslänk",
		"audit.token.create":  "skapade en API-nyckel",
		"audit.token.revoke":  "återkallade en API-nyckel",
		"invite.title":        "Välj lösenord",
		"invite.intro":        "Du har bjudits in att se besöksstatistiken som användaren %s. Välj ett lösenord (minst 12 tecken).",
		"invite.password":     "Nytt lösenord",
		"invite.again":        "Upprepa lösenordet",
		"invite.submit":       "Spara lösenordet och logga in",
		"invite.invalid":      "Inbjudningslänken är redan använd, har gått ut eller är okänd. Be en administratör om en ny.",
		"invite.differ":       "Lösenorden skiljer sig. Skriv samma lösenord två gånger.",
		"invite.weak":         "Lösenordet är för kort eller börjar eller slutar med mellanslag. Använd minst 12 tecken.",
	},
	"en": {
		"forbidden":           "This user may not do this. Ask an admin.",
		"login.name":          "User name",
		"login.wrong":         "Wrong user name or password.",
		"back":                "Back to the statistics",
		"users.nav":           "User",
		"users.title":         "Users",
		"users.intro":         "An admin sees every site and manages users, share links and tokens. A viewer sees only their own sites' statistics.",
		"users.name":          "Name",
		"users.role":          "Role",
		"users.sites":         "Sites",
		"users.email":         "Email",
		"users.created":       "Added",
		"users.actions":       "Actions",
		"users.invited":       "invited, no password yet",
		"users.newinvite":     "New invitation link",
		"users.remove":        "Remove",
		"users.allsites":      "all",
		"users.notself":       "You cannot remove yourself.",
		"users.invitelink":    "Invitation link (shown only now, works once and expires in 72 hours). Send it to the person:",
		"users.cli":           "Add a new user on the server: seloste user add NAME -role viewer -sites site.fi",
		"role.admin":          "admin",
		"role.viewer":         "viewer",
		"audit.title":         "Audit log",
		"audit.intro":         "Who logged in and who changed what, newest first. The log holds no visitor data.",
		"audit.none":          "This store keeps no audit log.",
		"audit.time":          "Time",
		"audit.actor":         "User",
		"audit.action":        "Action",
		"audit.target":        "Target",
		"audit.login":         "logged in",
		"audit.login.failed":  "login failed",
		"audit.logout":        "logged out",
		"audit.user.add":      "added a user",
		"audit.user.remove":   "removed a user",
		"audit.user.password": "set a password",
		"audit.user.invite":   "made an invitation link",
		"audit.share.create":  "made a share link",
		"audit.share.delete":  "deleted a share link",
		"audit.token.create":  "made an API token",
		"audit.token.revoke":  "revoked an API token",
		"invite.title":        "Set your password",
		"invite.intro":        "You have been invited to see the visitor statistics as the user %s. Choose a password (at least 12 characters).",
		"invite.password":     "New password",
		"invite.again":        "Repeat the password",
		"invite.submit":       "Set the password and log in",
		"invite.invalid":      "The invitation link is used, expired or unknown. Ask an admin for a new one.",
		"invite.differ":       "The passwords differ. Type the same password twice.",
		"invite.weak":         "The password is too short, or starts or ends with a space. Use at least 12 characters.",
	},
}

func init() {
	for lang, m := range userMessages {
		for k, v := range m {
			messages[lang][k] = v
		}
	}
}
