package collect

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/seloste/seloste/analytics"
	"github.com/seloste/seloste/analytics/request"
	"github.com/seloste/seloste/analytics/sqlite"
)

// TestBrowserEvents: in headless Chromium, calls of window.seloste made
// before s.js has loaded (through the README's one-line stub) and after,
// and a page marked with <meta name="seloste-404">, are stored as events of
// their page views; the report counts them as goals and funnel steps.
func TestBrowserEvents(t *testing.T) {
	exe := findChromium(t)
	st := openStore(t)
	c, mux := exampleCollector(t, st, func(cfg *Config) {
		cfg.Events = analytics.EventConfig{
			Events: []analytics.EventDef{
				{Name: "Yhteydenotto", Props: []string{"lomake"}, Desc: analytics.Description{FI: "Lomake", EN: "Form"}},
				{Name: "Soitto", Desc: analytics.Description{FI: "Soitto", EN: "Call"}},
			},
			Auto: []string{"404", "outbound", "downloads"},
		}
	})
	const stub = `<script>window.seloste=window.seloste||function(){(seloste.q=seloste.q||[]).push(arguments)}</script>`
	page := func(head, body string) string {
		return `<!doctype html><html><head><meta charset="utf-8"><title>t</title>` + head +
			`<script src="/s.js" data-site="example.test" data-outbound data-downloads data-tagged defer></script></head><body>` + body + `</body></html>`
	}
	mux.HandleFunc("GET /hinnasto", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, page(stub+`<script>seloste("Yhteydenotto", {props: {lomake: "tarjous"}})</script>`, "<p>hinnasto</p>"))
	})
	mux.HandleFunc("GET /linkit", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, page("", `<p>linkit</p><a id="out" href="http://other.test:`+r.Host[strings.LastIndex(r.Host, ":")+1:]+`/bye?q=1">ulos</a>
<a id="pdf" href="/hinnasto.pdf?v=2">hinnasto</a>
<form id="f" class="seloste-event-name=Yhteydenotto seloste-event-lomake=tarjous" action="/bye"><button id="send">lähetä</button></form>`))
	})
	mux.HandleFunc("GET /hinnasto.pdf", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "%PDF-1.4") })
	mux.HandleFunc("GET /puuttuu", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, page(`<meta name="seloste-404">`, "<p>ei löydy</p>"))
	})
	mux.HandleFunc("GET /bye", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "<!doctype html><p>bye</p>") })
	base := serveExample(t, mux)

	ctx, _ := browser(t, exe)
	step := stepper(t, ctx)
	step(chromedp.Navigate(base+"/hinnasto"), chromedp.WaitVisible(chromedp.CSS("p")), chromedp.Sleep(300*time.Millisecond))
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`seloste("Soitto"), true`)); err != nil {
		t.Fatal(err)
	}
	// Each click navigates away at once: sendBeacon does not hold it up.
	for _, id := range []string{"out", "pdf", "send"} {
		step(chromedp.Navigate(base+"/linkit"), chromedp.WaitVisible(chromedp.ID(id)), chromedp.Sleep(200*time.Millisecond),
			chromedp.Click(chromedp.ID(id)), chromedp.Sleep(300*time.Millisecond))
	}
	step(chromedp.Sleep(300*time.Millisecond), chromedp.Navigate(base+"/puuttuu"), chromedp.Sleep(300*time.Millisecond),
		chromedp.Navigate(base+"/bye"), chromedp.Sleep(300*time.Millisecond))
	quiet(c)
	if err := c.Close(context.Background()); err != nil {
		t.Fatal(err)
	}

	rows, err := st.DB().Query(`SELECT e.name, e.props, p.path FROM events e JOIN pageview_values p ON p.pageview_id = e.pageview_id ORDER BY e.rowid`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var name, props, path string
		if err := rows.Scan(&name, &props, &path); err != nil {
			t.Fatal(err)
		}
		got = append(got, name+" "+props+" on "+path)
	}
	want := []string{
		`Yhteydenotto {"lomake":"tarjous"} on /hinnasto`,
		`Soitto  on /hinnasto`,
		`Outbound Link: Click {"url":"http://other.test:` + base[strings.LastIndex(base, ":")+1:] + `/bye"} on /linkit`,
		`File Download {"url":"` + base + `/hinnasto.pdf"} on /linkit`,
		`Yhteydenotto {"lomake":"tarjous"} on /linkit`,
		`404 {"path":"/puuttuu"} on /puuttuu`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("stored events:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	now := time.Now()
	q := analytics.Query{Site: "example.test", From: now.AddDate(0, 0, -1), To: now.AddDate(0, 0, 1),
		Goals: []analytics.Goal{
			{Name: "Tarjous", Event: "Yhteydenotto", Props: map[string]string{"lomake": "tarjous"}},
			{Name: "Hinnasto", Page: "/hinnasto"},
		},
		Funnels: []analytics.Funnel{{Name: "Polku", Steps: []string{"/hinnasto", "Tarjous", "/puuttuu"}}},
	}
	r, err := st.Report(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Goals) != 2 || r.Goals[0].Visitors != 1 || r.Goals[0].Events != 2 || r.Goals[1].Visitors != 1 || r.Goals[0].ConversionRate != 1 {
		t.Errorf("goals: %+v", r.Goals)
	}
	if f := r.Funnels; len(f) != 1 || f[0].Steps[0].Visitors != 1 || f[0].Steps[1].Visitors != 1 || f[0].Steps[2].Visitors != 1 {
		t.Errorf("funnel: %+v", f)
	}
}

// TestBrowserHashRouter: with data-hash, a hash router's route changes are
// page views of their own ("/#/hinnasto"), an in-page anchor is not, and a
// route's query never gets in.
func TestBrowserHashRouter(t *testing.T) {
	exe := findChromium(t)
	st := openStore(t)
	c, mux := exampleCollector(t, st, func(cfg *Config) { cfg.Described = map[string]bool{analytics.HashRouteField: true} })
	mux.HandleFunc("GET /app/", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `<!doctype html><html><head><meta charset="utf-8"><title>t</title>`+
			`<script src="/s.js" data-site="example.test" data-hash defer></script></head><body><p id="ohje">app</p></body></html>`)
	})
	base := serveExample(t, mux)
	ctx, _ := browser(t, exe)
	step := stepper(t, ctx)
	step(chromedp.Navigate(base+"/app/"), chromedp.WaitVisible(chromedp.ID("ohje")), chromedp.Sleep(300*time.Millisecond))
	for _, hash := range []string{"#ohje", "#/hinnasto", "#/tilaus/kiitos?token=salainen"} {
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`location.hash = `+fmt.Sprintf("%q", hash)+`, true`)); err != nil {
			t.Fatal(err)
		}
		step(chromedp.Sleep(300 * time.Millisecond))
	}
	step(chromedp.Navigate(base + "/bye"))
	quiet(c)
	if err := c.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	rows, err := st.DB().Query(`SELECT path FROM pageview_values ORDER BY ts, seq`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var path string
		if err := rows.Scan(&path); err != nil {
			t.Fatal(err)
		}
		got = append(got, path)
	}
	want := []string{"/app/", "/app/#/hinnasto", "/app/#/tilaus/kiitos"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("stored pages %q, want %q", got, want)
	}
}

// TestBrowserScrollDepth: the leave carries the largest share of the page
// that has been in view: a tall page scrolled to about the middle, then
// back up, keeps its deepest point; a page shorter than the window is 100.
// The report's pages show the average.
func TestBrowserScrollDepth(t *testing.T) {
	exe := findChromium(t)
	st := openStore(t)
	c, mux := exampleCollector(t, st, func(cfg *Config) { cfg.Described = map[string]bool{analytics.ScrollField: true} })
	page := func(height string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprint(w, `<!doctype html><html><head><meta charset="utf-8"><title>t</title>`+
				`<style>body{margin:0}</style><script src="/s.js" data-site="example.test" defer></script></head>`+
				`<body><div id="sisalto" style="height:`+height+`">x</div></body></html>`)
		}
	}
	mux.HandleFunc("GET /pitka", page("6000px"))
	mux.HandleFunc("GET /lyhyt", page("100px"))
	base := serveExample(t, mux)
	ctx, _ := browser(t, exe)
	step := stepper(t, ctx)
	step(chromedp.Navigate(base+"/pitka"), chromedp.WaitVisible(chromedp.ID("sisalto")), chromedp.Sleep(300*time.Millisecond))
	// The share seen at the deepest point, from the window's own numbers.
	want, err := chromedp.Run(ctx, chromedp.Evaluate[float64](`scrollTo(0, 2700), (2700 + innerHeight) * 100 / 6000`))
	if err != nil {
		t.Fatal(err)
	}
	step(chromedp.Sleep(300 * time.Millisecond))
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`scrollTo(0, 0), true`)); err != nil {
		t.Fatal(err)
	}
	step(chromedp.Sleep(300*time.Millisecond), chromedp.Navigate(base+"/lyhyt"), chromedp.WaitVisible(chromedp.ID("sisalto")),
		chromedp.Sleep(300*time.Millisecond), chromedp.Navigate(base+"/bye"))
	quiet(c)
	if err := c.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	rows, err := st.DB().Query(`SELECT p.path, MAX(l.scroll_pct) FROM pageview_values p JOIN leaves l USING (pageview_id) GROUP BY p.path`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var path string
		var scroll int
		if err := rows.Scan(&path, &scroll); err != nil {
			t.Fatal(err)
		}
		got[path] = scroll
	}
	if d := float64(got["/pitka"]) - want; d < 0 || d >= 1.5 || want < 45 || want > 80 {
		t.Errorf("long page: stored %d %%, want the deepest share seen, %.1f %% rounded up", got["/pitka"], want)
	}
	if got["/lyhyt"] != 100 {
		t.Errorf("short page: stored %d %%, want 100", got["/lyhyt"])
	}
	today := analytics.Midnight(time.Now(), time.UTC)
	r, err := st.Report(context.Background(), analytics.Query{Site: "example.test", From: today, To: today, Zone: time.UTC})
	if err != nil {
		t.Fatal(err)
	}
	for _, row := range r.Breakdowns[analytics.DimPage] {
		if w, ok := got[row.Value]; ok && (row.ScrolledViews != 1 || row.AvgScroll != float64(w)) {
			t.Errorf("report row %s: %+v, want the stored %d %%", row.Value, row, w)
		}
	}
}

// exampleCollector is a collector for the site example.test over st that
// stores within 50 ms, configured further by configure, on a mux of its
// own.
func exampleCollector(t *testing.T, st *sqlite.Store, configure func(*Config)) (*Collector, *http.ServeMux) {
	t.Helper()
	c := newCollector(t, st, func(cfg *Config) {
		cfg.Sites = []request.Site{{Domain: "example.test", Consent: analytics.ConsentExempt}} // sends at once, as before consent modes
		cfg.Queue.FlushInterval = 50 * time.Millisecond
		configure(cfg)
	})
	mux := http.NewServeMux()
	c.Register(mux)
	return c, mux
}

// serveExample serves mux on loopback until the test ends and returns its
// address under the name example.test (the browser resolves it to
// 127.0.0.1).
func serveExample(t *testing.T, mux http.Handler) string {
	t.Helper()
	srv := httptest.NewServer(mux) // 127.0.0.1 only
	t.Cleanup(srv.Close)
	port := srv.Listener.Addr().String()
	return "http://example.test:" + port[strings.LastIndex(port, ":")+1:]
}
