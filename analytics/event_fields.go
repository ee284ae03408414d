package analytics

import "strings"

// EventsField is the registry's field of stored events: the columns that
// hold them. Unlike Fields, it is in the statement's list only when the
// configuration lets events be stored (StatementFields), each declared
// event then following with its own entry.
var EventsField = Field{
	Name: "events", Columns: []string{"events.ts", "events.site", "events.visitor", "events.visit", "events.pageview_id", "events.name", "events.props"},
	Label:   "Tapahtumat",
	FI:      "alla lueteltujen sivulla tehtyjen toimintojen nimi, ajankohta sekunnin tarkkuudella, sivusto, sivulatauksen tunniste, vierailijan tunniste ja vierailun numero sekä luetellut ominaisuudet; henkilötiedoilta näyttäviä arvoja (sähköpostiosoite, puhelinnumero, henkilötunnus, vähintään 8 numeroa peräkkäin) ei tallenneta",
	Purpose: "sivuston toimintojen käytön ja tavoitteiden toteutumisen tilastointi",
	SV: FieldText{Label: "Händelser",
		What:    "namnet på de åtgärder på sidan som räknas upp nedan, tidpunkten på sekunden när, webbplatsen, sidladdningens identifierare, besökarens identifierare och besöksnumret samt de uppräknade egenskaperna; värden som ser ut som personuppgifter (e-postadress, telefonnummer, personbeteckning, minst 8 siffror i rad) sparas inte",
		Purpose: "statistik över hur webbplatsens funktioner används och hur dess mål uppnås"},
	EN: FieldText{Label: "Events",
		What:    "the name of the actions on the page listed below, their time to the second, the website, the page load identifier, the visitor identifier and the visit number, and the listed properties; values that look like personal data (an email address, a phone number, a personal identity code, 8 or more digits in a row) are not stored",
		Purpose: "statistics of how the website's features are used and its goals reached"},
}

// OptionalFields are the registry's fields that the statement lists only
// when configured. Their columns are stored by every engine all the same
// (empty until used), so Columns includes them.
var OptionalFields = []Field{EventsField}

// StatementFields is the statement's list for a collector configured with
// c: every field of Fields, then, if any event may be stored, the events
// field and one entry per declared event naming its properties. A Swedish
// entry of an event without a Swedish description carries the English one
// (Field.SVFromEN says so; notice check warns).
func StatementFields(c EventConfig) []Field {
	out := append([]Field(nil), Fields...)
	if !c.Any() {
		return out
	}
	out = append(out, EventsField)
	for _, d := range c.Declared() {
		out = append(out, EventField(d))
	}
	return out
}

// EventField is the statement's entry of one declared event. It has no
// columns of its own: EventsField holds them.
func EventField(d EventDef) Field {
	props := func(none, one, many string) string {
		switch len(d.Props) {
		case 0:
			return none
		case 1:
			return one + " " + d.Props[0]
		}
		return many + " " + strings.Join(d.Props, ", ")
	}
	sv, fromEN := d.Desc.SV, false
	if strings.TrimSpace(sv) == "" {
		sv, fromEN = d.Desc.EN+" (beskrivningen finns bara på engelska)", true
	}
	return Field{
		Name:     "event:" + d.Name,
		Label:    "Tapahtuma “" + d.Name + "”",
		FI:       strings.TrimSuffix(strings.TrimSpace(d.Desc.FI), ".") + "; " + props("ei ominaisuuksia", "ominaisuus", "ominaisuudet"),
		Purpose:  "sivuston toimintojen käytön tilastointi",
		SVFromEN: fromEN,
		SV: FieldText{Label: "Händelse “" + d.Name + "”",
			What:    strings.TrimSuffix(strings.TrimSpace(sv), ".") + "; " + props("inga egenskaper", "egenskapen", "egenskaperna"),
			Purpose: "statistik över hur webbplatsens funktioner används"},
		EN: FieldText{Label: "Event “" + d.Name + "”",
			What:    strings.TrimSuffix(strings.TrimSpace(d.Desc.EN), ".") + "; " + props("no properties", "property", "properties"),
			Purpose: "statistics of how the website's features are used"},
	}
}
