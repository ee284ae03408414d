package analytics

import (
	"golang.org/x/text/language"
	"golang.org/x/text/language/display"
)

var countryNamer = display.English.Regions()

// CountryName returns the English name of an ISO 3166-1 alpha-2 country
// code, or "" if the code is not one.
func CountryName(code string) string {
	if len(code) != 2 {
		return ""
	}
	r, err := language.ParseRegion(code)
	if err != nil || !r.IsCountry() {
		return ""
	}
	return countryNamer.Name(r)
}
