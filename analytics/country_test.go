package analytics

import "testing"

func TestCountryName(t *testing.T) {
	for code, want := range map[string]string{"FI": "Finland", "SE": "Sweden", "": "", "ZZ": "", "fi": "Finland", "XYZ": ""} {
		if got := CountryName(code); got != want {
			t.Errorf("CountryName(%q) = %q, want %q", code, got, want)
		}
	}
}
