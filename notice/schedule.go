package notice

import (
	"fmt"
	"time"
	_ "time/tzdata" // the statement's days are Finnish days, also where the system has no zoneinfo
)

// The statement's days are calendar days in Finland: a version dated
// 2027-02-01 is in force from midnight in Helsinki, whatever the server's
// time zone.
var helsinki = func() *time.Location {
	if loc, err := time.LoadLocation("Europe/Helsinki"); err == nil {
		return loc
	}
	// Unreachable with time/tzdata linked in; keep a sane day anyway.
	return time.FixedZone("EET", 2*60*60)
}()

// clock is the time Load and NewVersion take "today" from; tests set it.
var clock = time.Now

// Today is the calendar day in Finland at now, as midnight UTC like
// Version.Date: the one definition of "today" for the statement's dates.
func Today(now time.Time) time.Time {
	y, m, d := now.In(helsinki).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// NextDay is the instant the day after now's Finnish calendar day begins:
// when a scheduled version dated then takes effect.
func NextDay(now time.Time) time.Time {
	y, m, d := now.In(helsinki).Date()
	return time.Date(y, m, d+1, 0, 0, 0, 0, helsinki)
}

// Pending is the published versions that are scheduled and not yet in
// force, oldest first: the site announces the first of them.
func Pending(vs []Version) []Version {
	var out []Version
	for _, v := range vs {
		if v.Pending && !v.Draft {
			out = append(out, v)
		}
	}
	return out
}

// futureError is the error for a file dated after today that is not
// scheduled.
func futureError(v Version, today time.Time) *SourceError {
	d, t, name := v.Slug(), today.Format(DateLayout), fileName(today, v.Lang)
	return srcErr(v.File, 0,
		fmt.Sprintf("versio on päivätty tulevaisuuteen (%s; Suomessa on nyt %s): nimeä tiedosto tämän päivän mukaan (%s), tai ajasta versio lisäämällä etutietoihin scheduled: true, jolloin se tulee voimaan päivänään %s (seloste notice new -date %s -schedule tekee ajastetun version)",
			FinnishDate(v.Date), FinnishDate(today), name, FinnishDate(v.Date), d),
		fmt.Sprintf("the version is dated in the future (%s; today is %s in Finland): name the file after today's date (%s), or schedule it by adding scheduled: true to its front matter so that it takes effect on %s (seloste notice new -date %s -schedule makes a scheduled version)",
			d, t, name, d, d))
}
