package clickhouse

import (
	"testing"
	"time"
)

// TestChunkerSplit checks that chunks cover each span exactly, in order,
// and hold at most rowsPerChunk estimated page views unless they are one
// day; a store with few page views counts a span in one chunk.
func TestChunkerSplit(t *testing.T) {
	hel, err := time.LoadLocation("Europe/Helsinki")
	if err != nil {
		t.Fatal(err)
	}
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, hel) }
	spans := [][2]time.Time{{day(2024, 12, 20), day(2025, 3, 1)}, {day(2025, 3, 2), day(2025, 3, 3)}}
	for _, c := range []struct {
		name   string
		perDay map[string]float64
		want   int // chunks
	}{
		{"empty store", map[string]float64{}, 2},
		{"small store", map[string]float64{"202412": 300, "202501": 1000, "202502": 2000}, 2},
		// A Helsinki midnight is in the UTC month of the day before: 44
		// days at 40 000 (26 fit a chunk: 2 chunks), 27 of February's at
		// 400 000 (2 a chunk: 14), and the second span's one day.
		{"large store", map[string]float64{"202412": 40_000, "202501": 40_000, "202502": 400_000, "202503": 2_000_000}, 2 + 14 + 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			chunks := (&chunker{perDay: c.perDay}).split(spans)
			if len(chunks) != c.want {
				t.Errorf("%d chunks, want %d: %v", len(chunks), c.want, chunks)
			}
			i := 0
			for _, span := range spans {
				at := span[0]
				for ; i < len(chunks) && chunks[i][0].Before(span[1]); i++ {
					ch := chunks[i]
					if !ch[0].Equal(at) || !ch[0].Before(ch[1]) || ch[1].After(span[1]) {
						t.Fatalf("chunk %d %v does not continue span %v at %v", i, ch, span, at)
					}
					rows, days := 0.0, 0
					for d := ch[0]; d.Before(ch[1]); d = d.AddDate(0, 0, 1) {
						rows += c.perDay[d.UTC().Format("200601")]
						days++
					}
					if days > 1 && rows > rowsPerChunk {
						t.Errorf("chunk %v holds %.0f page views over %d days, more than %d", ch, rows, days, rowsPerChunk)
					}
					at = ch[1]
				}
				if !at.Equal(span[1]) {
					t.Errorf("span %v covered up to %v", span, at)
				}
			}
		})
	}
}
