package analytics

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// DefaultPeriod is the period of a report when none is given.
const DefaultPeriod = "30d"

// PeriodHelp describes what ParsePeriod accepts, for flag usage and errors.
const PeriodHelp = `a date (2006-01-02) or one of today, yesterday, 7d, 30d (any Nd: the last N days up to today), month (this month so far), year (this year so far)`

var lastNDays = regexp.MustCompile(`^([0-9]{1,4})d$`)

// The inputs of ParsePeriod, as PeriodError names them.
const (
	PeriodFrom = "from" // the first day, or a shortcut
	PeriodTo   = "to"   // the last day
)

// PeriodError is a period that ParsePeriod refused, in the period's own
// words. Input is the input at fault, PeriodFrom or PeriodTo, or "" when
// the period as a whole is wrong: the caller, who knows which flag or
// parameter carried that input, adds its name.
type PeriodError struct {
	Input string
	Err   error
}

func (e *PeriodError) Error() string { return e.Err.Error() }
func (e *PeriodError) Unwrap() error { return e.Err }

func periodErr(input, format string, a ...any) error {
	return &PeriodError{Input: input, Err: fmt.Errorf(format, a...)}
}

// ParsePeriod turns a report's from and to into its first and last day,
// midnight in zone. from is a date or a shortcut (see PeriodHelp); an empty
// from is DefaultPeriod. to is a date, or empty for the shortcut's end
// (today for a date). Errors are *PeriodError.
func ParsePeriod(from, to string, zone *time.Location, now time.Time) (first, last time.Time, err error) {
	today := Midnight(now, zone)
	if from == "" {
		if to != "" {
			return first, last, periodErr(PeriodTo, "last day %s needs a first day too", to)
		}
		from = DefaultPeriod
	}
	shortcut := true
	switch m := lastNDays.FindStringSubmatch(from); {
	case from == "today":
		first, last = today, today
	case from == "yesterday":
		first = today.AddDate(0, 0, -1)
		last = first
	case from == "month":
		first, last = time.Date(today.Year(), today.Month(), 1, 0, 0, 0, 0, zone), today
	case from == "year":
		first, last = time.Date(today.Year(), 1, 1, 0, 0, 0, 0, zone), today
	case m != nil:
		n, _ := strconv.Atoi(m[1])
		if n < 1 || n > MaxDays {
			return first, last, periodErr(PeriodFrom, "period %q: the number of days must be 1 to %d", from, MaxDays)
		}
		first, last = today.AddDate(0, 0, 1-n), today
	default:
		shortcut = false
		if first, err = parseDay(from, zone); err != nil {
			return first, last, periodErr(PeriodFrom, "first day %q: %w; use %s", from, err, PeriodHelp)
		}
		last = today
	}
	if to != "" {
		if shortcut {
			return first, last, periodErr(PeriodTo, "last day %s can't be used with %s, which sets its own end; give the first day as a date", to, from)
		}
		if last, err = parseDay(to, zone); err != nil {
			return first, last, periodErr(PeriodTo, "last day %q: %w; use a date such as 2026-01-31", to, err)
		}
	}
	if last.Before(first) {
		return first, last, periodErr("", "the period ends (%s) before it begins (%s)", last.Format(time.DateOnly), first.Format(time.DateOnly))
	}
	if n := (Query{From: first, To: last}).Days(); n > MaxDays {
		return first, last, periodErr("", "the period has %d days, more than the %d allowed", n, MaxDays)
	}
	return first, last, nil
}

func parseDay(s string, zone *time.Location) (time.Time, error) {
	t, err := time.ParseInLocation(time.DateOnly, s, zone)
	if err != nil {
		return t, fmt.Errorf("not a date (want YYYY-MM-DD)")
	}
	return t, nil
}

// LoadZone loads a time zone by IANA name; "" is DefaultZone.
func LoadZone(name string) (*time.Location, error) {
	if name == "" {
		name = DefaultZone
	}
	z, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("unknown time zone %q (use an IANA name such as Europe/Helsinki or UTC)", name)
	}
	return z, nil
}

// ParseFilter parses "dimension=value", e.g. "country=FI" or
// "page=/hinnasto". The value may be empty ("referrer=" is direct traffic).
func ParseFilter(s string) (Filter, error) {
	k, v, ok := strings.Cut(s, "=")
	if !ok {
		return Filter{}, fmt.Errorf("filter %q: want dimension=value, e.g. country=FI", s)
	}
	d, err := ParseDimension(strings.TrimSpace(k))
	if err != nil {
		return Filter{}, fmt.Errorf("filter %q: %w", s, err)
	}
	return Filter{Dim: d, Value: v}, nil
}

// ParseDimension accepts a dimension's name ("page") or its JSON list name
// ("pages").
func ParseDimension(s string) (Dimension, error) {
	for _, d := range Dimensions {
		if s == string(d) || s == d.JSONKey() {
			return d, nil
		}
	}
	return "", fmt.Errorf("unknown dimension %q (use one of %s)", s, DimensionNames())
}
