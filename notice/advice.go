package notice

import (
	"fmt"
	"path/filepath"
)

// Advice is what to do so that the text in force in one language comes to
// describe something it does not (a collected field, an event), in Finnish
// and in English: a clause to follow "…, so it is not stored: ".
type Advice struct {
	Fi, En string
}

// Fix is the one place that says how to get something described: v is the
// version in force in its language (v.Lang) that does not describe it, and
// describes tells whether another version does. When a newer version
// exists, the fix is to publish its file in v's language (translate it and
// remove draft: true, or add the missing translation), or to wait for it
// when it is scheduled; "seloste notice new" only when there is none, since
// it refuses to start a version while a newer one is unfinished.
func Fix(vs []Version, v Version, describes func(Version) bool) Advice {
	newNotice := Advice{
		Fi: "aja seloste notice new (sen luoma luettelo kuvaa sen), julkaise uusi versio ja rakenna sivusto (seloste notice build)",
		En: "run seloste notice new (its generated list describes it), publish the new version and build the site (seloste notice build)",
	}
	if len(vs) == 0 {
		return newNotice
	}
	newest := vs[len(vs)-1]
	if !newest.Date.After(v.Date) {
		return newNotice
	}
	dir := filepath.Dir(newest.File)
	fiFile := newest.File
	t, has := newest.In(v.Lang)
	file := filepath.Join(dir, fileName(newest.Date, v.Lang))
	if has {
		file = t.File
	}
	var a Advice
	switch {
	case has && !t.Draft && t.Pending && describes(t):
		return Advice{
			Fi: fmt.Sprintf("ajastettu versio %s kuvaa sen ja tulee voimaan %s; siihen asti sitä ei tallenneta", file, FinnishDate(t.Date)),
			En: fmt.Sprintf("the scheduled version %s describes it and takes effect on %s; until then it is not stored", file, t.Slug()),
		}
	case has && !t.Draft:
		// Published (pending) without describing it: only a newer version helps.
		return newNotice
	case has && v.Lang == Finnish:
		a = Advice{
			Fi: fmt.Sprintf("viimeistele %s ja julkaise se (poista rivi draft: true), sitten seloste notice build", file),
			En: fmt.Sprintf("finish %s and publish it (remove draft: true), then run seloste notice build", file),
		}
	case has:
		a = Advice{
			Fi: fmt.Sprintf("käännä %s ja julkaise se (poista rivi draft: true), sitten seloste notice build", file),
			En: fmt.Sprintf("translate %s and publish it (remove draft: true), then run seloste notice build", file),
		}
	default:
		a = Advice{
			Fi: fmt.Sprintf("lisää ja julkaise %s, käännös versiosta %s (ilman riviä draft: true), sitten seloste notice build", file, fiFile),
			En: fmt.Sprintf("add and publish %s, the translation of %s (without draft: true), then run seloste notice build", file, fiFile),
		}
	}
	if v.Lang != Finnish && newest.Draft {
		a.Fi += fmt.Sprintf(" (julkaise myös suomenkielinen %s)", fiFile)
		a.En += fmt.Sprintf(" (publish the Finnish %s too)", fiFile)
	}
	if has && !describes(t) {
		a.Fi += "; se ei vielä kuvaa tätä: liitä siihen ensin seloste notice fields -komennon tulostama luettelo"
		a.En += "; it does not describe this yet: first paste into it the list printed by seloste notice fields"
	}
	return a
}
