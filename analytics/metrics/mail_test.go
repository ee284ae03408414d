package metrics

import "testing"

// TestMetricsMail: the email sender's counters are scraped as they are at
// that moment.
func TestMetricsMail(t *testing.T) {
	m := New()
	sent, failures, spooled := int64(3), int64(2), 1
	m.WatchMail(func() (int64, int64, int) { return sent, failures, spooled })
	sent, spooled = 4, 0
	fams, err := m.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, f := range fams {
		for _, mt := range f.GetMetric() {
			switch {
			case mt.GetCounter() != nil:
				got[f.GetName()] = mt.GetCounter().GetValue()
			case mt.GetGauge() != nil:
				got[f.GetName()] = mt.GetGauge().GetValue()
			}
		}
	}
	want := map[string]float64{"seloste_mail_sent_total": 4, "seloste_mail_failures_total": 2, "seloste_mail_spooled_messages": 0}
	for name, v := range want {
		if g, ok := got[name]; !ok || g != v {
			t.Errorf("%s = %v (present %v), want %v", name, g, ok, v)
		}
	}
}
