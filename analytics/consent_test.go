package analytics

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// The consent counts reach the report document only for an unfiltered
// period that counted a banner, with the rate of accepted per shown.
func TestConsentInReport(t *testing.T) {
	r := &Report{Site: "example.fi", From: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)}
	SetConsent(r, ConsentTotals{})
	if r.Consent != nil {
		t.Fatal("a period without counts has consent")
	}
	SetConsent(r, ConsentTotals{Shown: 8, Accepted: 5, Declined: 2})
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	if want := `"consent":{"shown":8,"accepted":5,"declined":2,"rate":0.625}`; !strings.Contains(string(b), want) {
		t.Errorf("report document lacks %s:\n%s", want, b)
	}
	// Answers counted on a day whose banners were shown the day before.
	SetConsent(r, ConsentTotals{Accepted: 1})
	if b, _ = json.Marshal(r); !strings.Contains(string(b), `"consent":{"shown":0,"accepted":1,"declined":0,"rate":null}`) {
		t.Errorf("no banner shown: want a null rate:\n%s", b)
	}
	r.Filters = []Filter{{Dim: DimPage, Value: "/"}}
	SetConsent(r, ConsentTotals{Shown: 8, Accepted: 5})
	if b, _ = json.Marshal(r); r.Consent != nil || strings.Contains(string(b), `"consent"`) {
		t.Errorf("a filtered report has consent counts:\n%s", b)
	}
}

func TestConsentChoice(t *testing.T) {
	for choice, want := range map[ConsentChoice]ConsentTotals{
		ConsentShown: {Shown: 1}, ConsentAccepted: {Accepted: 1}, ConsentDeclined: {Declined: 1},
	} {
		if got, ok := choice.Count(); !ok || got != want {
			t.Errorf("%s: %+v %v", choice, got, ok)
		}
	}
	for _, bad := range []ConsentChoice{"", "Shown", "accepted", "yes"} {
		if _, ok := bad.Count(); ok {
			t.Errorf("%q counted", bad)
		}
	}
	if rate, ok := (ConsentTotals{Shown: 4, Accepted: 9}).Rate(); !ok || rate != 1 {
		t.Errorf("rate over 1: %v", rate)
	}
}
