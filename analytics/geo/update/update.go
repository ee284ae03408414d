// Package update downloads a current location database, checks it and
// installs it where serve reads it: DB-IP's monthly City Lite database
// (free, CC BY 4.0, no account) or MaxMind's GeoLite2 City (free with an
// account and a licence key).
//
// Installation is atomic: the download goes to a temporary file in the
// target directory, is checked (geo.Open, geoip2's type check, the full
// verification of maxminddb, a known address that must have a country),
// synced and renamed over the old file. On any failure the old file stays
// and no temporary file is left behind. A running serve picks the new file
// up by itself (it polls the file, and reloads on SIGHUP).
package update

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/oschwald/geoip2-golang/v2"
	"github.com/oschwald/maxminddb-golang/v2"

	"github.com/seloste/seloste/analytics/geo"
)

// Providers.
const (
	DBIPLite = "dbip-lite"
	MaxMind  = "maxmind"
)

// The services' addresses, as they document them. Tests point Config.BaseURL
// at a local server instead.
const (
	dbipBase    = "https://download.db-ip.com"
	maxmindBase = "https://download.maxmind.com"
)

// Config is one update.
type Config struct {
	Provider string // DBIPLite or MaxMind
	Dir      string // where the database is installed; created if missing

	// MaxMind's credentials, sent as HTTP basic auth as MaxMind documents
	// for its direct downloads (account ID as user, licence key as password).
	AccountID, LicenseKey string

	BaseURL  string           // "" = the provider's own address
	Client   *http.Client     // nil: a client with a 10-minute timeout
	Now      func() time.Time // nil: time.Now; picks DB-IP's month
	Progress io.Writer        // nil: quiet; else a line per few MB downloaded
	// Known is an address the new database must place in a country; the
	// zero value is 193.166.3.4 (FUNET, Helsinki).
	Known netip.Addr
}

// Result is what was installed.
type Result struct {
	Path  string    // the installed file
	Type  string    // metadata database_type
	Built time.Time // metadata build_epoch
	Bytes int64     // size of the installed file
	From  string    // the address downloaded (without credentials)
}

// FileName is the name the provider's database is installed under; serve
// finds these names in /var/lib/seloste by itself.
func FileName(provider string) string {
	if provider == MaxMind {
		return "GeoLite2-City.mmdb"
	}
	return "dbip-city-lite.mmdb"
}

// Run downloads, checks and installs the provider's current database.
func Run(ctx context.Context, cfg Config) (Result, error) {
	if cfg.Client == nil {
		cfg.Client = &http.Client{Timeout: 10 * time.Minute}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if !cfg.Known.IsValid() {
		cfg.Known = netip.MustParseAddr("193.166.3.4")
	}
	switch cfg.Provider {
	case DBIPLite:
	case MaxMind:
		if cfg.AccountID == "" || cfg.LicenseKey == "" {
			return Result{}, errors.New("MaxMind needs an account ID and a licence key (free: https://www.maxmind.com/en/geolite2/signup); or use the DB-IP Lite database, which needs neither")
		}
	default:
		return Result{}, fmt.Errorf("unknown provider %q: want %s or %s", cfg.Provider, DBIPLite, MaxMind)
	}
	if err := os.MkdirAll(cfg.Dir, 0o755); err != nil {
		return Result{}, fmt.Errorf("%w", err)
	}
	dest := filepath.Join(cfg.Dir, FileName(cfg.Provider))
	tmp, err := os.CreateTemp(cfg.Dir, "."+FileName(cfg.Provider)+".*.tmp")
	if err != nil {
		return Result{}, fmt.Errorf("%w", err)
	}
	installed := false
	defer func() {
		if !installed {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()

	var from string
	if cfg.Provider == DBIPLite {
		from, err = fetchDBIP(ctx, cfg, tmp)
	} else {
		from, err = fetchMaxMind(ctx, cfg, tmp)
	}
	if err != nil {
		return Result{}, err
	}
	if err := tmp.Sync(); err != nil {
		return Result{}, fmt.Errorf("writing %s: %w", tmp.Name(), err)
	}
	size, err := tmp.Seek(0, io.SeekCurrent)
	if err != nil {
		return Result{}, fmt.Errorf("%w", err)
	}
	if err := tmp.Close(); err != nil {
		return Result{}, fmt.Errorf("writing %s: %w", tmp.Name(), err)
	}
	res, err := Check(tmp.Name(), cfg.Known)
	if err != nil {
		return Result{}, fmt.Errorf("the database downloaded from %s failed its check, so %s was left as it was: %w", from, dest, err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return Result{}, fmt.Errorf("%w", err)
	}
	if err := os.Rename(tmp.Name(), dest); err != nil {
		return Result{}, fmt.Errorf("installing %s: %w", dest, err)
	}
	installed = true
	syncDir(cfg.Dir)
	res.Path, res.Bytes, res.From = dest, size, from
	return res, nil
}

// syncDir makes the rename durable; where directories cannot be synced the
// rename is still atomic.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}

// Check says whether the file at path is a location database seloste can
// use: it opens as one (geo.Open), geoip2 reads City records from it,
// maxminddb's full verification passes, and known has a country in it. The
// Result has the metadata; Path, Bytes and From are left empty.
func Check(path string, known netip.Addr) (Result, error) {
	db, err := geo.Open(path)
	if err != nil {
		return Result{}, err
	}
	info := db.Info()
	loc := db.Lookup(known)
	db.Close()
	if loc.Country == "" {
		return Result{}, fmt.Errorf("geoip database %s has no country for the known address %s: not a usable location database", path, known)
	}
	g, err := geoip2.Open(path)
	if err != nil {
		return Result{}, fmt.Errorf("geoip database %s: %w", path, err)
	}
	c, err := g.City(known)
	g.Close()
	if err != nil || c.Country.ISOCode != loc.Country {
		return Result{}, fmt.Errorf("geoip database %s: geoip2 does not read the same country for %s (%v)", path, known, err)
	}
	// The whole file, now that time does not matter (serve checks less).
	// maxminddb's Verify stops at a metadata without a description, which
	// its rules require but readers do not need: such a file gets the
	// checks above only.
	r, err := maxminddb.Open(path)
	if err != nil {
		return Result{}, fmt.Errorf("geoip database %s: %w", path, err)
	}
	if len(r.Metadata.Description) > 0 {
		err = r.Verify()
	}
	r.Close()
	if err != nil {
		return Result{}, fmt.Errorf("geoip database %s is corrupt: %w", path, err)
	}
	return Result{Type: info.Type, Built: info.Built}, nil
}

// fetchDBIP writes DB-IP's City Lite of this month, or of last month when
// this month's is not published yet (404), to w.
func fetchDBIP(ctx context.Context, cfg Config, w io.Writer) (string, error) {
	base := cfg.BaseURL
	if base == "" {
		base = dbipBase
	}
	now := cfg.Now().UTC()
	first := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	var tried []string
	for _, month := range []time.Time{first, first.AddDate(0, -1, 0)} {
		u := fmt.Sprintf("%s/free/dbip-city-lite-%s.mmdb.gz", strings.TrimSuffix(base, "/"), month.Format("2006-01"))
		resp, err := get(ctx, cfg.Client, u, "", "")
		if err != nil {
			return "", err
		}
		if resp.StatusCode == http.StatusNotFound {
			resp.Body.Close()
			tried = append(tried, u)
			continue
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return "", fmt.Errorf("%s answered %s", u, resp.Status)
		}
		zr, err := gzip.NewReader(progress(resp.Body, cfg.Progress, resp.ContentLength))
		if err != nil {
			return "", fmt.Errorf("%s is not gzip data: %w", u, err)
		}
		if _, err := io.Copy(w, zr); err != nil {
			return "", fmt.Errorf("downloading %s: %w", u, err)
		}
		if err := zr.Close(); err != nil {
			return "", fmt.Errorf("downloading %s: %w", u, err)
		}
		return u, nil
	}
	return "", fmt.Errorf("DB-IP has not published the database yet (404 for %s); try again later", strings.Join(tried, " and "))
}

// fetchMaxMind writes the .mmdb of MaxMind's GeoLite2 City tar.gz to w.
func fetchMaxMind(ctx context.Context, cfg Config, w io.Writer) (string, error) {
	base := cfg.BaseURL
	if base == "" {
		base = maxmindBase
	}
	u := strings.TrimSuffix(base, "/") + "/geoip/databases/GeoLite2-City/download?suffix=tar.gz"
	resp, err := get(ctx, cfg.Client, u, cfg.AccountID, cfg.LicenseKey)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK:
	case http.StatusUnauthorized:
		return "", fmt.Errorf("MaxMind refused the account ID and licence key (%s): check both at https://www.maxmind.com/en/accounts/current/license-key", resp.Status)
	default:
		return "", fmt.Errorf("%s answered %s", u, resp.Status)
	}
	zr, err := gzip.NewReader(progress(resp.Body, cfg.Progress, resp.ContentLength))
	if err != nil {
		return "", fmt.Errorf("%s is not a tar.gz: %w", u, err)
	}
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return "", fmt.Errorf("the archive from %s holds no GeoLite2-City.mmdb", u)
		}
		if err != nil {
			return "", fmt.Errorf("reading the archive from %s: %w", u, err)
		}
		if h.Typeflag != tar.TypeReg || path.Base(h.Name) != "GeoLite2-City.mmdb" {
			continue
		}
		if _, err := io.Copy(w, tr); err != nil {
			return "", fmt.Errorf("downloading %s: %w", u, err)
		}
		return u, nil
	}
}

// get sends a GET, with basic auth when user is set. Errors never contain
// the licence key (it is not in the address).
func get(ctx context.Context, c *http.Client, u, user, key string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("%w", err)
	}
	if user != "" {
		req.SetBasicAuth(user, key)
	}
	req.Header.Set("User-Agent", "seloste-geoip-update")
	resp, err := c.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%w", err)
	}
	return resp, nil
}

// progressStep is how often a progress line is written.
const progressStep = 4 << 20

type progressReader struct {
	r          io.Reader
	w          io.Writer
	total      int64 // -1 unknown
	done, next int64
	ended      bool
}

func progress(r io.Reader, w io.Writer, total int64) io.Reader {
	if w == nil {
		return r
	}
	return &progressReader{r: r, w: w, total: total, next: progressStep}
}

func (p *progressReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	p.done += int64(n)
	if p.ended {
		return n, err
	}
	if err == io.EOF {
		p.ended = true
	}
	if p.done >= p.next || p.ended {
		for p.next <= p.done {
			p.next += progressStep
		}
		if p.total > 0 {
			fmt.Fprintf(p.w, "geoip update: %.1f of %.1f MB downloaded\n", mb(p.done), mb(p.total))
		} else {
			fmt.Fprintf(p.w, "geoip update: %.1f MB downloaded\n", mb(p.done))
		}
	}
	return n, err
}

func mb(n int64) float64 { return float64(n) / 1e6 }
