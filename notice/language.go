package notice

import (
	"fmt"
	"regexp"
	"time"
)

// Language is one language the statement is published in. Finnish is the
// authoritative text; the others are translations that follow it version
// by version, each in a file beside its Finnish version:
// 2026-12-01.md, 2026-12-01.sv.md, 2026-12-01.en.md.
type Language struct {
	Code   string // BCP 47 tag, the front matter's lang and the file-name suffix
	Name   string // in the language itself, for language switchers
	NameFi string // in Finnish, for messages
	NameEn string // in English, for messages
	// stamp is the update sentence with %s for the date, and typedStamp
	// finds the same sentence typed into a source by hand.
	stamp      string
	typedStamp *regexp.Regexp
	// scheduledStamp replaces stamp in a scheduled version before its date.
	scheduledStamp string
	noChanges      string // the diff of two versions whose text is the same
	unchanged      [2]string
	// TranslationNote says, on every rendering of a translation, that the
	// Finnish text prevails; "" for Finnish.
	TranslationNote string
}

// Finnish is the language of the authoritative text.
const Finnish = "fi"

// Languages are the statement's languages, Finnish first: the order of
// language switchers and of translations in a version.
var Languages = []Language{
	{
		Code: "fi", Name: "Suomeksi", NameFi: "suomenkielinen", NameEn: "Finnish",
		stamp:          "Seloste on päivitetty viimeksi %s.",
		scheduledStamp: "Tämä versio tulee voimaan %s.",
		typedStamp:     regexp.MustCompile(`(?i)seloste\s+on\s+päivitetty\s+viimeksi`),
		noChanges:      "Ei muutoksia tekstiin. / No changes to the text.",
		unchanged:      [2]string{"… %d kappale ennallaan / %d unchanged …", "… %d kappaletta ennallaan / %d unchanged …"},
	},
	{
		Code: "sv", Name: "På svenska", NameFi: "ruotsinkielinen", NameEn: "Swedish",
		stamp:           "Beskrivningen uppdaterades senast %s.",
		scheduledStamp:  "Denna version träder i kraft %s.",
		typedStamp:      regexp.MustCompile(`(?i)beskrivningen\s+uppdaterades\s+senast`),
		noChanges:       "Inga ändringar i texten.",
		unchanged:       [2]string{"… %d stycke oförändrat …", "… %d stycken oförändrade …"},
		TranslationNote: "Detta är en översättning av den finska texten. Vid skillnader gäller den finska texten.",
	},
	{
		Code: "en", Name: "In English", NameFi: "englanninkielinen", NameEn: "English",
		stamp:           "Last updated on %s.",
		scheduledStamp:  "This version takes effect on %s.",
		typedStamp:      regexp.MustCompile(`(?i)last\s+updated\s+on`),
		noChanges:       "No changes to the text.",
		unchanged:       [2]string{"… %d paragraph unchanged …", "… %d paragraphs unchanged …"},
		TranslationNote: "This is a translation of the Finnish text. In case of any difference, the Finnish text prevails.",
	},
}

// LanguageOf is the statement language with the code, if there is one.
func LanguageOf(code string) (Language, bool) {
	for _, l := range Languages {
		if l.Code == code {
			return l, true
		}
	}
	return Language{}, false
}

// lang is the language of a code that Load accepted; Finnish otherwise.
func lang(code string) Language {
	if l, ok := LanguageOf(code); ok {
		return l
	}
	return Languages[0]
}

// Translated is a translation language of the statement: every language
// but Finnish.
func Translated() []Language { return Languages[1:] }

var englishMonths = [...]string{"January", "February", "March", "April", "May", "June", "July",
	"August", "September", "October", "November", "December"}

// FormatDate writes a date as the language does: 1.12.2026 in Finnish and
// in Finland's Swedish, 1 December 2026 in English.
func FormatDate(t time.Time, code string) string {
	if code == "en" {
		return fmt.Sprintf("%d %s %d", t.Day(), englishMonths[t.Month()-1], t.Year())
	}
	return FinnishDate(t)
}

// fileName is a version's file name in a language: 2026-12-01.md for
// Finnish, 2026-12-01.sv.md for Swedish.
func fileName(date time.Time, code string) string {
	if code == Finnish {
		return date.Format(DateLayout) + ".md"
	}
	return date.Format(DateLayout) + "." + code + ".md"
}
