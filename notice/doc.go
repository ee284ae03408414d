// Package notice knows the privacy statement (tietosuojaseloste) as a list
// of dated versions: it loads them from content/tietosuojaseloste/, keeps
// published versions immutable through a lock file, checks them (GDPR
// Art. 13 completeness), stamps the update date, renders them with goldmark
// to standalone HTML and plain text, and diffs one version against another.
//
// Finnish is the authoritative text. A version may have Swedish and English
// translations beside it (2026-12-01.sv.md, 2026-12-01.en.md), loaded into
// its Translations: they are locked like their original, stamped in their
// own words ("Beskrivningen uppdaterades senast 1.12.2026.", "Last updated
// on 1 December 2026."), checked in their own words, held to their
// original's sections (CheckStructure), and reported when the Finnish text
// has moved on without them (CheckTranslations). NewDraftFields copies them
// into the next version as drafts marked TranslationMarker.
//
// The statement's list of collected page-visit data is not typed by hand:
// it is generated from the collector's field registry (analytics.Fields)
// into a {{< kerattavat-tiedot sailytys="3y" >}} … {{< /kerattavat-tiedot >}}
// block of the version's source, frozen there when the version is written
// (seloste notice new), so published versions never change. Renderings show
// the block's Markdown without its tags; CheckCollector fails a current
// version whose list, retention or analytics tool is not what the
// configured collector really does.
//
// The page-visit legal-basis paragraph is generated the same way, from the
// sites' consent modes (analytics.Consent), into a
// {{< oikeusperuste suostumus="required" >}} block (ExpandConsentIn,
// RefreshConsent). CheckCollector fails a version that states other terms
// than the configuration and, with a site exempt, lists the exemption's
// conditions against it; ConsentStated is the same check for a collector
// about to start.
//
// A site's first version is written by WriteStart ("seloste init"): a
// template complete for Art. 13 in Finnish, Swedish and English, naming the
// Controller, with the block generated for the configured collector and
// HTML comments (AdaptMarker) before the paragraphs the owner must adapt.
//
// A version's date is a Finnish calendar day (Today) and may not be after
// today, unless the version is scheduled (front matter scheduled: true,
// NewVersion with Schedule): published ahead of its date, it is locked and
// announced, but not in force (Pending) until its day begins in Helsinki.
// Current, CurrentIn, DescribesField and EventsDescribed read only what is
// in force, so nothing only a scheduled version describes is stored before
// its date. When something in force does not describe a field or event,
// Fix says what fixes it: the newer file to translate and publish, or
// "seloste notice new" when there is none.
//
// The record of processing activities of the statistics (GDPR Art. 30,
// seloste käsittelytoimista) is generated too: a Record (the configured
// collector, the registry's fields and the statement's controller and
// disclosure sections, StatementSections) renders as Markdown or as a
// printable page; the owner keeps it in RecordDir, and CheckRecords fails
// a kept record that no longer says what would be generated now.
//
// The Hugo site build, and publishing (load, verify the lock, build, lock
// the new versions), live in notice/site so that this package stays small
// and quick to test.
package notice
