package format

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"

	"github.com/seloste/seloste/analytics"
)

// EventParts are the names of the event parts of a report, as -breakdown
// and the dashboard's CSV links name them.
var EventParts = []string{"goals", "events", "props", "funnels"}

// EventRows are the header and rows of one event part ("goals", "events",
// "props", "funnels"), as the table, the CSV and the dashboard show them;
// ok is false for another name.
func EventRows(r *analytics.Report, part string) (head []string, rows [][]string, ok bool) {
	n := func(x int64) string { return strconv.FormatInt(x, 10) }
	switch part {
	case "goals":
		head = []string{"goal", "visitors", "events", "conversion_rate"}
		for _, g := range r.Goals {
			rows = append(rows, []string{safeCell(g.Name), n(g.Visitors), n(g.Events), strconv.FormatFloat(g.ConversionRate, 'f', 4, 64)})
		}
	case "events":
		head = []string{"event", "visitors", "events"}
		for _, e := range r.Events {
			rows = append(rows, []string{safeCell(e.Name), n(e.Visitors), n(e.Events)})
		}
	case "props":
		head = []string{"event", "prop", "value", "visitors", "events"}
		for _, p := range r.Props {
			rows = append(rows, []string{safeCell(p.Event), safeCell(p.Prop), safeCell(p.Value), n(p.Visitors), n(p.Events)})
		}
	case "funnels":
		head = []string{"funnel", "step", "visitors"}
		for _, f := range r.Funnels {
			for _, s := range f.Steps {
				rows = append(rows, []string{safeCell(f.Name), safeCell(s.Step), n(s.Visitors)})
			}
		}
	default:
		return nil, nil, false
	}
	return head, rows, true
}

// EventCSV writes one event part as CSV with a header row.
func EventCSV(w io.Writer, r *analytics.Report, part string) error {
	head, rows, ok := EventRows(r, part)
	if !ok {
		return fmt.Errorf("unknown part %q (use goals, events, props or funnels)", part)
	}
	cw := csv.NewWriter(w)
	cw.Write(head)
	cw.WriteAll(rows)
	return cw.Error()
}

// eventTables writes the event parts that have rows, for Table.
func eventTables(w io.Writer, r *analytics.Report) {
	for _, part := range EventParts {
		head, rows, _ := EventRows(r, part)
		if len(rows) == 0 {
			continue
		}
		fmt.Fprintln(w)
		writeAligned(w, append([][]string{head}, rows...))
	}
}
