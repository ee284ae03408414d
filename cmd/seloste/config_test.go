package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/pelletier/go-toml/v2"

	"github.com/seloste/seloste/analytics"
	"github.com/seloste/seloste/analytics/collect"
	"github.com/seloste/seloste/analytics/dashboard"
)

// TestServeDefaults: the defaults in serveConfig's tags are the ones serve
// has always had, and agree with the packages' own defaults.
func TestServeDefaults(t *testing.T) {
	want := serveConfig{
		Addr:          "127.0.0.1:8080",
		DB:            "seloste.db",
		Public:        "public",
		GeoPrecision:  "city",
		Retention:     analytics.DefaultRetention.String(),
		HonourDNT:     true,
		QueueSize:     0, // the store's: collect's defaults, or the engine's
		BatchSize:     0,
		FlushInterval: collect.DefaultFlushInterval.String(),
		MaxConns:      10000,
		MaxValues:     collect.DefaultMaxValuesPerDay,
		MaxEvents:     collect.DefaultMaxEventsPerVisit,
		Consent:       string(analytics.ConsentRequired),
		Reports:       reportsConfig{Hour: defaultReportHour},
		Zone:          analytics.DefaultZone,
		ReportTimeout: dashboard.DefaultReportTimeout.String(),
		MinVisitors:   1,
		Content:       "content",
		BuildNotice:   true,
		LogFormat:     "text",
	}
	if got := defaultServeConfig(); !reflect.DeepEqual(got, want) {
		t.Errorf("defaults:\n got %+v\nwant %+v", got, want)
	}
	cfg, err := parseServeFlags(nil, io.Discard)
	if err != nil || !reflect.DeepEqual(cfg, want) {
		t.Errorf("no file, no flags: %+v, %v", cfg, err)
	}
}

// TestServeSettingsMerge gives every setting in the file, then every one
// as a flag too: the file wins over the defaults, a flag over the file.
func TestServeSettingsMerge(t *testing.T) {
	var probe serveConfig
	settings := serveSettings(&probe)
	if len(settings) != 35 {
		t.Errorf("%d settings; a new one needs this test's attention", len(settings))
	}
	file := map[string]any{}
	var args []string
	fileVal := map[string]any{}
	flagVal := map[string]any{}
	def := defaultServeConfig()
	defs := serveSettings(&def)
	for i, s := range settings {
		if s.help == "" || strings.ContainsAny(s.help, "{}") {
			t.Errorf("%s: help %q", s.key, s.help)
		}
		switch defs[i].field.Interface().(type) {
		case string:
			fileVal[s.key], flagVal[s.key] = "file-"+s.key, "flag-"+s.key
			file[s.key] = fileVal[s.key]
			args = append(args, "-"+s.flag, flagVal[s.key].(string))
		case int:
			fileVal[s.key], flagVal[s.key] = 100+i, 200+i
			file[s.key] = fileVal[s.key]
			args = append(args, "-"+s.flag, fmt.Sprint(flagVal[s.key]))
		case bool:
			d := defs[i].field.Bool()
			fileVal[s.key], flagVal[s.key] = !d, d
			file[s.key] = !d
			args = append(args, fmt.Sprintf("-%s=%v", s.flag, d))
		case []string:
			fileVal[s.key], flagVal[s.key] = []string{"file"}, []string{"flag1", "flag2"}
			file[s.key] = fileVal[s.key]
			args = append(args, "-"+s.flag, "flag1", "-"+s.flag, "flag2")
		case []siteConfig:
			file[s.key] = []map[string]any{{"domain": "file.fi", "origins": []string{"file.com"}}, {"domain": "both.fi", "origins": []string{"both.com"}}}
			fileVal[s.key] = []siteConfig{{Domain: "file.fi", Origins: []string{"file.com"}}, {Domain: "both.fi", Origins: []string{"both.com"}}}
			flagVal[s.key] = []siteConfig{{Domain: "flag.fi"}, {Domain: "BOTH.fi", Origins: []string{"both.com"}}}
			args = append(args, "-"+s.flag, "flag.fi,BOTH.fi")
		case []eventConfig:
			file[s.key] = []map[string]any{{"name": "E", "props": []string{"p"}, "description_fi": "fi", "description_en": "en"}}
			fileVal[s.key] = []eventConfig{{Name: "E", Props: []string{"p"}, DescriptionFI: "fi", DescriptionEN: "en"}}
			flagVal[s.key] = fileVal[s.key] // no flag: the file's stays
		case []goalConfig:
			file[s.key] = []map[string]any{{"name": "G", "event": "E", "props": map[string]string{"p": "v"}}}
			fileVal[s.key] = []goalConfig{{Name: "G", Event: "E", Props: map[string]string{"p": "v"}}}
			flagVal[s.key] = fileVal[s.key]
		case []funnelConfig:
			file[s.key] = []map[string]any{{"name": "F", "steps": []string{"/", "G"}}}
			fileVal[s.key] = []funnelConfig{{Name: "F", Steps: []string{"/", "G"}}}
			flagVal[s.key] = fileVal[s.key]
		case smtpConfig:
			file[s.key] = map[string]any{"host": "smtp.example.fi", "port": 465, "security": "tls", "user": "u", "password_env": "E", "from": "a@example.fi"}
			fileVal[s.key] = smtpConfig{Host: "smtp.example.fi", Port: 465, Security: "tls", User: "u", PasswordEnv: "E", From: "a@example.fi"}
			flagVal[s.key] = fileVal[s.key]
		case reportsConfig:
			file[s.key] = map[string]any{"hour": 0, "dashboard_url": "https://x.fi/dashboard"}
			fileVal[s.key] = reportsConfig{Hour: 0, DashboardURL: "https://x.fi/dashboard"} // 0 is midnight, not the default
			flagVal[s.key] = fileVal[s.key]
		case alertsConfig:
			file[s.key] = map[string]any{"drop_share": 0.1, "spike_min": 9}
			fileVal[s.key] = alertsConfig{DropShare: 0.1, SpikeMin: 9}
			flagVal[s.key] = fileVal[s.key]
		case []recipientConfig:
			file[s.key] = []map[string]any{{"email": "a@example.fi", "lang": "sv", "sites": []string{"a.fi"}, "weekly": true}}
			fileVal[s.key] = []recipientConfig{{Email: "a@example.fi", Lang: "sv", Sites: []string{"a.fi"}, Weekly: true}}
			flagVal[s.key] = fileVal[s.key]
		default:
			t.Fatalf("%s: untested type %s", s.key, defs[i].field.Type())
		}
	}
	b, err := toml.Marshal(file)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "seloste.toml")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	check := func(name string, args []string, want map[string]any) {
		t.Helper()
		cfg, err := parseServeFlags(args, io.Discard)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, s := range serveSettings(&cfg) {
			if got := s.field.Interface(); !reflect.DeepEqual(got, want[s.key]) {
				t.Errorf("%s: %s = %#v, want %#v", name, s.key, got, want[s.key])
			}
		}
	}
	check("file", []string{"-config", path}, fileVal)
	check("file and flags", append([]string{"-config", path}, args...), flagVal)

	// The file's keys are checked strictly, also in [[site]].
	for _, bad := range []string{"adr = \"x\"\n", "[[site]]\ndomain = \"a.fi\"\norigin = [\"b.fi\"]\n"} {
		if err := os.WriteFile(path, []byte(bad), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := parseServeFlags([]string{"-config", path}, io.Discard); err == nil || !strings.Contains(err.Error(), "unknown key") {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

// TestConfigExample: the example file of docs/configuration.md is one
// that serve reads, with a [[site]] of every key a site can have (every
// other key is in the generated reference below it: TestConfigReference).
func TestConfigExample(t *testing.T) {
	page, err := os.ReadFile("../../docs/configuration.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("(?s)\n## An example\n.*?```toml\n(.*?)```").FindSubmatch(page)
	if m == nil {
		t.Fatal("docs/configuration.md has no ```toml block under ## An example")
	}
	path := filepath.Join(t.TempDir(), "seloste.toml")
	if err := os.WriteFile(path, m[1], 0o644); err != nil {
		t.Fatal(err)
	}
	if err := loadServeConfig(path, new(serveConfig)); err != nil {
		t.Errorf("serve does not read the example of docs/configuration.md: %v", err)
	}
	var doc struct {
		Site []map[string]any `toml:"site"`
	}
	if err := toml.Unmarshal(m[1], &doc); err != nil || len(doc.Site) == 0 {
		t.Fatalf("the example has no [[site]]: %v", err)
	}
	var shown, declared []string
	for k := range doc.Site[0] {
		shown = append(shown, k)
	}
	for _, f := range reflect.VisibleFields(reflect.TypeFor[siteConfig]()) {
		declared = append(declared, f.Tag.Get("toml"))
	}
	slices.Sort(shown)
	slices.Sort(declared)
	if !slices.Equal(shown, declared) {
		t.Errorf("the example's [[site]] keys %v, declared %v", shown, declared)
	}
}

// TestServeHelp: -h lists every setting's flag with its help.
func TestServeHelp(t *testing.T) {
	var stderr bytes.Buffer
	if _, err := parseServeFlags([]string{"-h"}, &stderr); err == nil {
		t.Fatal("-h: no flag.ErrHelp")
	}
	var cfg serveConfig
	for _, s := range serveSettings(&cfg) {
		if s.noFlag {
			continue
		}
		if !strings.Contains(stderr.String(), "\n  -"+s.flag+" ") && !strings.Contains(stderr.String(), "\n  -"+s.flag+"\n") {
			t.Errorf("-h does not list -%s", s.flag)
		}
	}
	for _, want := range []string{"  -addr address\n    \tlisten address (default \"127.0.0.1:8080\")", "  -trust-proxy CIDR\n", "  -config file\n", "  -demo\n"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("-h lacks %q", want)
		}
	}
}
