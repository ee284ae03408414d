package notice

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/seloste/seloste/analytics"
)

// EventsDescribed says, for a collector about to store events, which of the
// declared ones the published statement describes: the current Finnish
// version (the authoritative text; a scheduled version only from its
// date on), and only once it is in the lock file,
// i.e. published by a build and frozen. An event is described when the
// version's generated list holds both the events entry
// (analytics.EventsField) and the event's own entry exactly as the
// registry generates it now; a list frozen before a description changed no
// longer describes the event. refused maps each event name that may not be
// stored to the reason, in words for the client and the log; "*" refuses
// every event (no statement to read).
func EventsDescribed(contentDir string, declared []analytics.EventDef) (refused map[string]string, err error) {
	refused = map[string]string{}
	if len(declared) == 0 {
		return refused, nil
	}
	dir := SourceDir(contentDir)
	if _, err := os.Stat(dir); err != nil {
		refused["*"] = fmt.Sprintf("no privacy statement to check events against (no %s): point the setting content at the statement's sources", dir)
		return refused, nil
	}
	vs, err := Load(dir)
	if err != nil {
		return nil, err
	}
	if err := VerifyLock(dir, vs); err != nil {
		refused["*"] = "the published privacy statement was edited after publishing (see seloste notice check)"
		return refused, nil
	}
	lock, err := ReadLock(dir)
	if err != nil {
		return nil, err
	}
	locked := lock.Locked()
	var cur Version
	found := false
	for _, v := range slices.Backward(Published(vs)) {
		if locked[v.Key()] && !v.Pending {
			cur, found = v, true
			break
		}
	}
	if !found {
		refused["*"] = "no published privacy statement yet (seloste notice build publishes one)"
		return refused, nil
	}
	if _, _, err := FindFields(cur); err != nil {
		return nil, err
	}
	describes := func(v Version, d analytics.EventDef) bool {
		b, ok, err := FindFields(v)
		if err != nil || !ok || b.Placeholder {
			return false
		}
		have := bullets(b.Inner)
		return slices.Contains(have, normSpace(analytics.FieldBulletIn(analytics.EventsField, Finnish))) &&
			slices.Contains(have, normSpace(analytics.FieldBulletIn(analytics.EventField(d), Finnish)))
	}
	// The reason reaches the client too: name the files without the
	// server's folders.
	public := baseNames(vs)
	cur.File = filepath.Base(cur.File)
	for _, d := range declared {
		if !describes(cur, d) {
			fix := Fix(public, cur, func(v Version) bool { return describes(v, d) })
			refused[d.Name] = fmt.Sprintf("the published privacy statement (%s) does not describe this event: %s", cur.File, fix.En)
		}
	}
	return refused, nil
}

// baseNames is vs with every file named by its base name only.
func baseNames(vs []Version) []Version {
	out := make([]Version, len(vs))
	for i, v := range vs {
		v.File = filepath.Base(v.File)
		v.Translations = slices.Clone(v.Translations)
		for j := range v.Translations {
			v.Translations[j].File = filepath.Base(v.Translations[j].File)
		}
		out[i] = v
	}
	return out
}
