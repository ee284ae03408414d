package geo

import "strings"

// finnishRegion returns the ISO 3166-2:FI code (without "FI-") of a region
// named in English (as GeoLite2 and the files derived from it name them,
// with or without diacritics) or Finnish, or "" when the name is unknown.
// ip-location-db's records name the region instead of giving its code; the
// codes are what reports show, so other countries' regions are left empty
// rather than stored in another form.
func finnishRegion(name string) string {
	return fiRegions[strings.ToLower(strings.NewReplacer("ä", "a", "Ä", "a", "ö", "o", "Ö", "o", "å", "a", "Å", "a").Replace(strings.TrimSpace(name)))]
}

var fiRegions = map[string]string{
	"aland": "01", "aland islands": "01", "ahvenanmaa": "01", "ahvenanmaan maakunta": "01",
	"south karelia": "02", "south karelia region": "02", "etela-karjala": "02",
	"south ostrobothnia": "03", "etela-pohjanmaa": "03",
	"southern savonia": "04", "south savo": "04", "southern savonia region": "04", "etela-savo": "04",
	"kainuu":     "05",
	"kanta-hame": "06", "tavastia proper": "06",
	"central ostrobothnia": "07", "keski-pohjanmaa": "07",
	"central finland": "08", "keski-suomi": "08",
	"kymenlaakso": "09",
	"lapland":     "10", "lappi": "10",
	"pirkanmaa":    "11",
	"ostrobothnia": "12", "pohjanmaa": "12",
	"north karelia": "13", "pohjois-karjala": "13",
	"north ostrobothnia": "14", "northern ostrobothnia": "14", "pohjois-pohjanmaa": "14",
	"north savo": "15", "northern savonia": "15", "pohjois-savo": "15",
	"paijat-hame": "16", "paijat-hame region": "16", "paijanne tavastia": "16",
	"satakunta":         "17",
	"uusimaa":           "18",
	"southwest finland": "19", "varsinais-suomi": "19", "finland proper": "19",
}

// FinnishRegion is finnishRegion for other sources that name regions (the
// Google Analytics importer): the code without "FI-", or "".
func FinnishRegion(name string) string { return finnishRegion(name) }
