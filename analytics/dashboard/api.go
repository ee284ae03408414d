package dashboard

import (
	"bytes"
	"encoding/json"
	"net/http"
	"slices"

	"github.com/seloste/seloste/analytics"
	"github.com/seloste/seloste/analytics/format"
)

// apiDefaultLimit is the rows per breakdown of /api/stats unless limit= says
// otherwise (limit=0: up to MaxRows, the rest folded into "(muut)").
const apiDefaultLimit = 100

// apiStats serves GET /api/stats: the report document of the wire contract
// (README), as analytics.Report encodes itself.
func (h *Handler) apiStats(w http.ResponseWriter, r *http.Request) {
	u, ok := h.apiAuth(w, r)
	if !ok {
		return
	}
	q, ok := h.visibleSite(u, r.URL.Query())
	if !ok {
		h.forbidden(w, r)
		return
	}
	p, err := h.parseParams(q, apiDefaultLimit)
	if err != nil {
		writeJSONError(w, http.StatusBadRequest, err.Error())
		return
	}
	rep, err := h.report(w, r, h.query(p, h.cfg.MinVisitors))
	if err != nil {
		h.log.Error("api report", "site", p.Site, "user", u.Name, "err", err)
		code, _, text := h.reportFailure(err)
		writeJSONError(w, code, text)
		return
	}
	if err := h.annotate(r.Context(), rep); err != nil {
		h.log.Error("api notes", "site", p.Site, "user", u.Name, "err", err)
		writeJSONError(w, http.StatusInternalServerError, "the notes could not be read")
		return
	}
	body, err := json.Marshal(rep)
	if err != nil {
		h.log.Error("encoding a report", "err", err)
		writeJSONError(w, http.StatusInternalServerError, "the report could not be encoded")
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Write(append(body, '\n'))
}

func writeJSONError(w http.ResponseWriter, code int, msg string) {
	body, _ := json.Marshal(struct {
		Error string `json:"error"`
	}{msg})
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
	w.Write(append(body, '\n'))
}

// exportCSV serves one breakdown of the dashboard's current view as a CSV
// download: /dashboard/export.csv?site=&period=&filter=&breakdown=pages.
func (h *Handler) exportCSV(w http.ResponseWriter, r *http.Request, s *session) {
	q := r.URL.Query()
	part := q.Get("breakdown")
	event := slices.Contains(format.EventParts, part)
	notes := part == format.AnnotationsPart && h.cfg.Annotations != nil
	dim, err := analytics.ParseDimension(part)
	if event || notes {
		dim, err = analytics.Dimension(part), nil
	}
	if err != nil {
		h.fail(w, r, http.StatusBadRequest, "err.breakdown", part, err)
		return
	}
	q, ok := h.visibleSite(s.User, q)
	if !ok {
		h.forbidden(w, r)
		return
	}
	if q.Get("limit") == "" {
		q.Set("limit", "0") // the whole breakdown, not the page's top ten
	}
	p, err := h.parseParams(q, 0)
	if err != nil {
		h.failParams(w, r, err)
		return
	}
	rep, err := h.report(w, r, h.query(p, h.cfg.MinVisitors))
	if err != nil {
		h.log.Error("csv report", "site", p.Site, "err", err)
		code, key, _ := h.reportFailure(err)
		h.fail(w, r, code, key)
		return
	}
	var buf bytes.Buffer
	switch {
	case notes:
		if err = h.annotate(r.Context(), rep); err == nil {
			err = format.AnnotationsCSV(&buf, rep)
		}
	case event:
		err = format.EventCSV(&buf, rep, part)
	default:
		err = format.CSV(&buf, rep, dim)
	}
	if err != nil {
		h.log.Error("csv", "err", err)
		h.fail(w, r, http.StatusInternalServerError, "err.csv")
		return
	}
	name := p.Site + "-" + string(dim) + "-" + p.From.Format("2006-01-02") + "-" + p.To.Format("2006-01-02") + ".csv"
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+safeFileName(name)+`"`)
	w.Write(buf.Bytes())
}

// safeFileName keeps a download name to harmless characters.
func safeFileName(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !(c == '-' || c == '.' || c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			b[i] = '_'
		}
	}
	return string(b)
}
