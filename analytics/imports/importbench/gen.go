package importbench

import (
	"bufio"
	"fmt"
	"io"
	"time"
)

// GoatCounterHeader is GoatCounter's version 2 header.
const GoatCounterHeader = "2Path,Title,Event,UserAgent,Browser,System,Session,Bot,Referrer,Referrer scheme,Screen size,Location,FirstVisit,Date"

// GoatCounterEvents are the names of the event rows GoatCounter writes.
func GoatCounterEvents() []string {
	var names []string
	for i := range 50 {
		names = append(names, fmt.Sprintf("/sivu/%d", i))
	}
	return names
}

// GoatCounter writes a GoatCounter export of rows rows over pages paths,
// nearly in time order as GoatCounter exports (by hit id): sessions of one
// to five page views a minute apart, a new session every 30 seconds (5 M
// rows are a year and a half), referrers of each scheme, a bot hit in 89
// rows and an event (one of GoatCounterEvents) in 97.
func GoatCounter(out io.Writer, rows, pages int) error {
	w := bufio.NewWriterSize(out, 64<<10)
	fmt.Fprintln(w, GoatCounterHeader)
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	browsers := []string{"Firefox 133,Linux", "Chrome 131,Windows 10", "Safari 18.1,iOS 18.1", "Chrome 131,Android 14"}
	places := []string{"FI-18", "FI-11", "FI", "SE-AB", ""}
	refs := []string{",", "https://duckduckgo.com/?q=x,h", "https://www.google.fi/,h", "Hacker News,g", "newsletter,c"}
	// Session s starts at s*30 s and has 1 + s%5 views, one a minute.
	type open struct{ session, left, next int }
	var live []open
	session, t := 0, 0
	for i := 0; i < rows; {
		for len(live) == 0 || live[0].next > t {
			live = append(live, open{session: session, left: 1 + session%5, next: t})
			session++
			t += 30
		}
		o := &live[0]
		ts := start.Add(time.Duration(o.next) * time.Second).Format(time.RFC3339)
		event, bot := "false", 0
		switch {
		case i%97 == 0:
			event = "true"
		case i%89 == 0:
			bot = 1
		}
		path := fmt.Sprintf("/sivu/%d", (i*7)%pages)
		if event == "true" {
			path = fmt.Sprintf("/sivu/%d", i%50)
		}
		firstView := o.left == 1+o.session%5
		ref := ","
		if firstView {
			ref = refs[o.session%len(refs)]
		}
		fmt.Fprintf(w, "%s,\"Otsikko, %d\",%s,,%s,%016x,%d,%s,\"1920,1080,1\",%s,%t,%s\n",
			path, i%50, event, browsers[o.session%len(browsers)], o.session*2654435761, bot, ref, places[o.session%len(places)], firstView, ts)
		i++
		o.left--
		o.next += 60
		next := *o
		live = live[1:]
		if next.left > 0 {
			// Keep live ordered by next: insert where it belongs.
			j := len(live)
			for j > 0 && live[j-1].next > next.next {
				j--
			}
			live = append(live, open{})
			copy(live[j+1:], live[j:])
			live[j] = next
		}
	}
	return w.Flush()
}

// Plausible writes three years of Plausible's tables for 1,000 pages
// through create, a file at a time: the day's totals, 1,000 pages and 100
// entry pages a day (1.2 M rows); all adds the other seven tables (1.5 M
// rows in all). create returns the file's writer and what closes it.
func Plausible(all bool, create func(name string) (io.Writer, func() error, error)) error {
	const days, pages = 3 * 365, 1000
	start := time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC)
	suffix := fmt.Sprintf("_%s_%s.csv", start.Format("20060102"), start.AddDate(0, 0, days-1).Format("20060102"))
	var err error
	write := func(table, header string, row func(day string, w *bufio.Writer)) {
		if err != nil {
			return
		}
		var (
			f         io.Writer
			closeFile func() error
		)
		if f, closeFile, err = create(table + suffix); err != nil {
			return
		}
		w := bufio.NewWriterSize(f, 64<<10)
		w.WriteString(header + "\n")
		for d := range days {
			row(start.AddDate(0, 0, d).Format(time.DateOnly), w)
		}
		if err = w.Flush(); err == nil {
			err = closeFile()
		}
	}
	write("imported_visitors", `"date","visitors","pageviews","bounces","visits","visit_duration"`, func(day string, w *bufio.Writer) {
		fmt.Fprintf(w, "%q,%d,%d,%d,%d,%d\n", day, 900, 4000, 400, 1100, 90000)
	})
	write("imported_pages", `"date","hostname","page","visits","visitors","pageviews"`, func(day string, w *bufio.Writer) {
		for p := range pages {
			fmt.Fprintf(w, "%q,\"example.fi\",\"/sivu/%04d\",%d,%d,%d\n", day, p, 3, 3, 4)
		}
	})
	write("imported_entry_pages", `"date","entry_page","visitors","entrances","visit_duration","bounces","pageviews"`, func(day string, w *bufio.Writer) {
		for p := range 100 {
			fmt.Fprintf(w, "%q,\"/sivu/%04d\",%d,%d,%d,%d,%d\n", day, p, 3, 3, 100, 1, 4)
		}
	})
	if !all {
		return err
	}
	write("imported_exit_pages", `"date","exit_page","visitors","visit_duration","exits","bounces","pageviews"`, func(day string, w *bufio.Writer) {
		for p := range 100 {
			fmt.Fprintf(w, "%q,\"/sivu/%04d\",%d,%d,%d,%d,%d\n", day, p, 3, 100, 3, 1, 4)
		}
	})
	write("imported_sources", `"date","source","referrer","utm_source","utm_medium","utm_campaign","utm_content","utm_term","pageviews","visitors","visits","visit_duration","bounces"`, func(day string, w *bufio.Writer) {
		for p := range 100 {
			fmt.Fprintf(w, "%q,\"lahde%d.fi\",\"https://lahde%d.fi/polku\",\"\",\"\",\"\",\"\",\"\",%d,%d,%d,%d,%d\n", day, p, p, 4, 3, 3, 100, 1)
		}
	})
	write("imported_locations", `"date","country","region","city","visitors","visits","visit_duration","bounces","pageviews"`, func(day string, w *bufio.Writer) {
		for p := range 20 {
			fmt.Fprintf(w, "%q,\"FI\",\"FI-%02d\",0,%d,%d,%d,%d,%d\n", day, p+1, 30, 35, 3000, 10, 140)
		}
	})
	write("imported_browsers", `"date","browser","browser_version","visitors","visits","visit_duration","bounces","pageviews"`, func(day string, w *bufio.Writer) {
		for _, br := range []string{"Firefox", "Chrome", "Safari", "Edge"} {
			fmt.Fprintf(w, "%q,%q,\"(not set)\",%d,%d,%d,%d,%d\n", day, br, 225, 275, 22500, 100, 1000)
		}
	})
	write("imported_operating_systems", `"date","operating_system","operating_system_version","visitors","visits","visit_duration","bounces","pageviews"`, func(day string, w *bufio.Writer) {
		for _, os := range []string{"Windows", "macOS", "Linux", "Android", "iOS"} {
			fmt.Fprintf(w, "%q,%q,\"(not set)\",%d,%d,%d,%d,%d\n", day, os, 180, 220, 18000, 80, 800)
		}
	})
	write("imported_devices", `"date","device","visitors","visits","visit_duration","bounces","pageviews"`, func(day string, w *bufio.Writer) {
		for _, d := range []string{"Desktop", "Mobile", "Tablet"} {
			fmt.Fprintf(w, "%q,%q,%d,%d,%d,%d,%d\n", day, d, 300, 366, 30000, 133, 1333)
		}
	})
	write("imported_custom_events", `"date","name","link_url","path","visitors","events"`, func(day string, w *bufio.Writer) {
		for p := range 10 {
			fmt.Fprintf(w, "%q,\"Outbound Link: Click\",\"https://example.org/%d\",\"\",%d,%d\n", day, p, 2, 3)
		}
	})
	return err
}
