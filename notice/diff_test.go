package notice

import (
	"math/rand/v2"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

func TestDiffWords(t *testing.T) {
	for _, tt := range []struct {
		a, b string
		want []Span
	}{
		{"a b c", "a x c", []Span{{Same, "a "}, {Removed, "b"}, {Added, "x"}, {Same, " c"}}},
		{"a b c", "a b c", []Span{{Same, "a b c"}}},
		{"a c", "a b c", []Span{{Same, "a "}, {Added, "b "}, {Same, "c"}}},
		{"a b c", "a c", []Span{{Same, "a "}, {Removed, "b "}, {Same, "c"}}},
		{"", "uusi", []Span{{Added, "uusi"}}},
		{"vanha", "", []Span{{Removed, "vanha"}}},
		// A rewritten phrase reads as one removal and one addition.
		{"tiedot säilytetään kolme vuotta.", "tiedot poistetaan heti pyynnöstä.",
			[]Span{{Same, "tiedot "}, {Removed, "säilytetään kolme vuotta."}, {Added, "poistetaan heti pyynnöstä."}}},
		{"Seloste on päivitetty viimeksi 8.2.2020.", "Seloste on päivitetty viimeksi 5.11.2026.",
			[]Span{{Same, "Seloste on päivitetty viimeksi "}, {Removed, "8.2.2020."}, {Added, "5.11.2026."}}},
	} {
		if got := diffWords(tt.a, tt.b); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("diffWords(%q, %q) =\n%v\nwant\n%v", tt.a, tt.b, got, tt.want)
		}
	}
}

// TestDiffHTMLKeepsWordsApart: a changed word reads as two words in the
// page's text, "2 7 December", never "27 December".
func TestDiffHTMLKeepsWordsApart(t *testing.T) {
	old := Version{Date: date("2026-12-01"), Lang: "en", Body: "Updated on 2 December.\n"}
	new := Version{Date: date("2026-12-07"), Lang: "en", Body: "Updated on 7 December.\n"}
	got := string(DiffHTML(old, new))
	if !strings.Contains(got, "<del>2</del> <ins>7</ins> December") {
		t.Errorf("diff = %s, want <del>2</del> <ins>7</ins> December", got)
	}
	text := regexp.MustCompile(`<[^>]+>`).ReplaceAllString(got, "")
	if strings.Contains(text, "27 December") || !strings.Contains(text, "2 7 December") {
		t.Errorf("the diff's text reads %q", text)
	}
	// A space already there is not doubled.
	old.Body, new.Body = "Säilytetään vuoden.\n", "Säilytetään kaksi vuotta.\n"
	if got := string(DiffHTML(old, new)); strings.Contains(got, "</del>  <ins>") || strings.Contains(got, " </del> <ins>") {
		t.Errorf("diff = %s", got)
	}
}

func TestDiffBlocksAndHTML(t *testing.T) {
	old := Version{Date: date("2020-02-08"), Body: "Johdanto.\n\n## Otsikko\n\nTietoja ei luovuteta.\n\nPoistuva kappale kokonaan.\n\nLoppu.\n"}
	new := Version{Date: date("2026-11-05"), Body: "Johdanto.\n\n## Otsikko\n\nTietoja ei luovuteta kolmansille.\n\nLoppu.\n\n## Valitusoikeus\n\nVoit tehdä valituksen Tietosuojavaltuutetulle.\n"}
	got := Diff(old, new)
	var ops []string
	for _, c := range got {
		ops = append(ops, c.Kind+":"+c.Op.String())
	}
	want := "p:changed h2:same p:changed p:removed p:same h2:added p:added"
	if strings.Join(ops, " ") != want {
		t.Fatalf("blocks = %s\nwant     %s", strings.Join(ops, " "), want)
	}
	h := string(DiffHTML(old, new))
	for _, want := range []string{
		`<div class="notice-diff">`,
		`<p class="diff-changed">Johdanto. Seloste on päivitetty viimeksi <del>8.2.2020.</del> <ins>5.11.2026.</ins></p>`,
		`<h3 class="diff-same">Otsikko</h3>`,
		`<p class="diff-changed">Tietoja ei <del>luovuteta.</del> <ins>luovuteta kolmansille.</ins></p>`,
		`<p class="diff-removed"><del>Poistuva kappale kokonaan.</del></p>`,
		`<h3 class="diff-added"><ins>Valitusoikeus</ins></h3>`,
		`<p class="diff-added"><ins>Voit tehdä valituksen Tietosuojavaltuutetulle.</ins></p>`,
	} {
		if !strings.Contains(h, want) {
			t.Errorf("DiffHTML lacks\n%s\nin\n%s", want, h)
		}
	}
}

func TestDiffHTMLEscapesAndBreaks(t *testing.T) {
	old := Version{Date: date("2020-01-01"), Body: "Yhtiö Oy\\\nKatu 1\n\nA & B\n"}
	new := Version{Date: date("2020-01-01"), Body: "Yhtiö Oy\\\nKatu 2\n\nA & B <c>\n"}
	h := string(DiffHTML(old, new))
	for _, want := range []string{"Yhtiö Oy<br>\nKatu <del>1", "<ins>2", "A &amp; B"} {
		if !strings.Contains(h, want) {
			t.Errorf("DiffHTML lacks %q:\n%s", want, h)
		}
	}
	if strings.Contains(h, "<c>") {
		t.Errorf("text not escaped:\n%s", h)
	}
}

func TestDiffHTMLFoldsUnchangedText(t *testing.T) {
	var body strings.Builder
	for i := range 10 {
		body.WriteString("Kappale numero " + string(rune('A'+i)) + ".\n\n")
	}
	old := Version{Date: date("2020-01-01"), Body: body.String()}
	new := Version{Date: date("2020-01-01"), Body: strings.Replace(body.String(), "numero F", "numero FF", 1)}
	h := string(DiffHTML(old, new))
	// The stamp paragraph (A) is unchanged since the dates are equal; E, F
	// and G show; the rest fold.
	for _, want := range []string{`… 4 kappaletta ennallaan / 4 unchanged …`, "Kappale numero E.", "<ins>FF.</ins>", "Kappale numero G.", `… 3 kappaletta ennallaan / 3 unchanged …`} {
		if !strings.Contains(h, want) {
			t.Errorf("DiffHTML lacks %q:\n%s", want, h)
		}
	}
	if strings.Contains(h, "Kappale numero B.") {
		t.Errorf("unchanged paragraph far from the change was not folded:\n%s", h)
	}
	if h := string(DiffHTML(old, old)); !strings.Contains(h, "Ei muutoksia") {
		t.Errorf("identical versions:\n%s", h)
	}
}

// TestEditScript checks Myers against a plain LCS table on random input:
// the script must turn a into b and be as short as possible.
func TestEditScript(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for n := 0; n < 2000; n++ {
		a := make([]byte, r.IntN(12))
		b := make([]byte, r.IntN(12))
		for i := range a {
			a[i] = "abc"[r.IntN(3)]
		}
		for i := range b {
			b[i] = "abc"[r.IntN(3)]
		}
		ops := editScript(a, b)
		var gotA, gotB []byte
		i, j, same := 0, 0, 0
		for _, op := range ops {
			switch op {
			case Same:
				if a[i] != b[j] {
					t.Fatalf("%q→%q: Same on %c≠%c", a, b, a[i], b[j])
				}
				gotA, gotB = append(gotA, a[i]), append(gotB, b[j])
				i, j, same = i+1, j+1, same+1
			case Removed:
				gotA = append(gotA, a[i])
				i++
			case Added:
				gotB = append(gotB, b[j])
				j++
			}
		}
		if string(gotA) != string(a) || string(gotB) != string(b) {
			t.Fatalf("%q→%q: script rebuilds %q→%q", a, b, gotA, gotB)
		}
		if want := lcsLen(a, b); same != want {
			t.Fatalf("%q→%q: %d equal elements kept, LCS is %d", a, b, same, want)
		}
	}
}

func lcsLen(a, b []byte) int {
	dp := make([][]int, len(a)+1)
	for i := range dp {
		dp[i] = make([]int, len(b)+1)
	}
	for i := len(a) - 1; i >= 0; i-- {
		for j := len(b) - 1; j >= 0; j-- {
			if a[i] == b[j] {
				dp[i][j] = dp[i+1][j+1] + 1
			} else {
				dp[i][j] = max(dp[i+1][j], dp[i][j+1])
			}
		}
	}
	return dp[0][0]
}

func BenchmarkDiffHTML(b *testing.B) {
	vs, err := Load(contentDir)
	if err != nil {
		b.Fatal(err)
	}
	old := vs[0]
	new := old
	new.Date = date("2026-11-05")
	new.Body = strings.ReplaceAll(old.Body, "tietoja", "henkilötietoja")
	for b.Loop() {
		_ = DiffHTML(old, new)
	}
}

func TestDiffHTMLShowsHeadingPath(t *testing.T) {
	body := "Johdanto.\n\n## Yksi\n\nA.\n\nB.\n\nC.\n\n## Kaksi\n\n### Kaksi a\n\nD.\n\nE.\n\nF.\n\n### Kaksi b\n\nG.\n\nHoo on tässä.\n\nI.\n\nJ.\n"
	old := Version{Date: date("2020-01-01"), Body: body}
	new := Version{Date: date("2020-01-01"), Body: strings.Replace(body, "on tässä.", "on nyt tässä.", 1)}
	h := string(DiffHTML(old, new))
	for _, want := range []string{`<h3 class="diff-same">Kaksi</h3>`, `<h4 class="diff-same">Kaksi b</h4>`, "<p class=\"diff-same\">G.</p>", "Hoo on <ins>nyt </ins>tässä.", "<p class=\"diff-same\">I.</p>",
		"… 5 kappaletta ennallaan / 5 unchanged …", "… 4 kappaletta ennallaan / 4 unchanged …", "… 1 kappale ennallaan / 1 unchanged …"} {
		if !strings.Contains(h, want) {
			t.Errorf("DiffHTML lacks %q:\n%s", want, h)
		}
	}
	for _, unwanted := range []string{"Yksi", "Kaksi a", "D.", "Johdanto", "J."} {
		if strings.Contains(h, unwanted) {
			t.Errorf("DiffHTML shows %q, far from the change:\n%s", unwanted, h)
		}
	}
}
