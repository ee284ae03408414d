package format

import (
	"encoding/csv"
	"fmt"
	"io"

	"github.com/seloste/seloste/analytics"
)

// AnnotationsPart is the name of the owner's notes as -breakdown and the
// dashboard's CSV links name them.
const AnnotationsPart = "annotations"

// AnnotationsCSV writes the report's notes as CSV: day, text, id.
func AnnotationsCSV(w io.Writer, r *analytics.Report) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"day", "text", "id"})
	for _, a := range r.Annotations {
		cw.Write([]string{a.Day, safeCell(a.Text), a.ID})
	}
	cw.Flush()
	return cw.Error()
}

// annotationLines writes the notes under the table's series.
func annotationLines(w io.Writer, r *analytics.Report) {
	if len(r.Annotations) == 0 {
		return
	}
	fmt.Fprintln(w, "\nNotes:")
	for _, a := range r.Annotations {
		fmt.Fprintf(w, "  %s  %s\n", a.Day, a.Text)
	}
}
