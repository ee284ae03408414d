package notice

import "testing"

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
