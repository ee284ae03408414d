package dashboard

import (
	"encoding/csv"
	"errors"
	"io"
	"strconv"
	"strings"

	"github.com/seloste/seloste/analytics"
)

var errUnknownDim = errors.New("unknown breakdown")

// writeCSV writes one breakdown of rep as CSV with a header line.
// TODO(seloste): use analytics/format's CSV once it lands, so the CLI and
// the dashboard write byte-identical files.
func writeCSV(w io.Writer, rep *analytics.Report, dim analytics.Dimension) error {
	cw := csv.NewWriter(w)
	pageLike := dim == analytics.DimPage || dim == analytics.DimEntryPage || dim == analytics.DimExitPage
	header := []string{string(dim), "name", "visitors"}
	if pageLike {
		header = append(header, "pageviews", "avg_time_s")
	}
	cw.Write(header)
	for _, r := range rep.Breakdowns[dim] {
		rec := []string{cell(r.Value), cell(r.Name), strconv.FormatInt(r.Visitors, 10)}
		if pageLike {
			rec = append(rec, strconv.FormatInt(r.PageViews, 10), strconv.FormatFloat(r.AvgTime, 'f', 1, 64))
		}
		cw.Write(rec)
	}
	cw.Flush()
	return cw.Error()
}

// cell defuses values a spreadsheet would run as a formula: campaign names
// and paths come from visitors' URLs, so anyone can choose them.
func cell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
