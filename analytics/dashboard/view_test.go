package dashboard

import "testing"

// TestCardChange: the cards' relative change is analytics.Change, the same
// number the CLI's table prints; a previous period of 0 is "new".
func TestCardChange(t *testing.T) {
	l := locale("en")
	for _, c := range []struct {
		got                       card
		change, dir, class, words string
	}{
		{l.intCard("visitors", 125, 100, true), "+25 (+25.0%)", "▲", "good", "up"},
		{l.intCard("visitors", 75, 100, true), "−25 (−25.0%)", "▼", "bad", "down"},
		{l.intCard("visitors", 5, 0, true), "+5 (new)", "▲", "good", "up"},
		{l.intCard("bots", 5, 5, false), "±0", "=", "same", "no change"},
		{l.numCard("bounce", 0.5, 0.4, l.Pct, false), "+10.0\u00a0pp (+25.0%)", "▲", "bad", "up"},
	} {
		if c.got.Change != c.change || c.got.Dir != c.dir || c.got.Class != c.class || c.got.ChangeText != c.words {
			t.Errorf("%s %s → %s: got %q %s %s %q; want %q %s %s %q", c.got.Key, c.got.Prev, c.got.Value,
				c.got.Change, c.got.Dir, c.got.Class, c.got.ChangeText, c.change, c.dir, c.class, c.words)
		}
	}
}

// TestWithheldCard: a total withheld under the k-anonymity floor shows "–"
// and no comparison, in this period or the previous one.
func TestWithheldCard(t *testing.T) {
	l := locale("en")
	c := l.numCard("bounce", 0.4, 0.5, l.Pct, false)
	if got := c.withheld(l, false, false); got != c {
		t.Errorf("nothing withheld changed the card: %+v", got)
	}
	got := c.withheld(l, false, true)
	if got.Value != c.Value || got.Prev != "–" || got.Change != "" || got.Dir != "" || got.ChangeText != l.T("withheld") {
		t.Errorf("previous period withheld: %+v", got)
	}
	if got := c.withheld(l, true, false); got.Value != "–" || got.Prev != c.Prev || got.Change != "" {
		t.Errorf("this period withheld: %+v", got)
	}
}
