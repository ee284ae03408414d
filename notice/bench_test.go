package notice

import (
	"testing"

	"github.com/seloste/seloste/analytics"
)

// go test -run '^$' -bench . -benchmem ./notice/

func BenchmarkLoad(b *testing.B) {
	for b.Loop() {
		if _, err := Load(contentDir); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCheckDir(b *testing.B) {
	for b.Loop() {
		CheckDir(contentDir)
	}
}

func BenchmarkRenderHTML(b *testing.B) {
	vs, err := Load(contentDir)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := RenderHTML(vs[0]); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRenderText(b *testing.B) {
	vs, err := Load(contentDir)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := RenderText(vs[0]); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCheckCollector(b *testing.B) {
	vs, err := Load(contentDir)
	if err != nil {
		b.Fatal(err)
	}
	c := Collector{Fields: analytics.Fields, Retention: analytics.DefaultRetention, Configured: true}
	for b.Loop() {
		if ps := CheckCollector(vs, c); len(ps) != 0 {
			b.Fatal(ps)
		}
	}
}
