package clickhouse

import (
	"context"
	"slices"
	"strconv"
	"time"
)

// Counting a period from the raw rows is a query per chunk of its days:
// every number is of one day, so chunks count exactly what one query
// would. A chunk holds about rowsPerChunk page views, which bounds the
// server's memory by a chunk's rows (a month's at 10 M page views a year)
// and lets two chunks run at once on a small server's two cores. A small
// store's period is one chunk: each counting query costs about 65 ms on
// 18.16 even over no rows (its analysis), which made a small store's
// filtered year cost 12 of them.
const (
	rowsPerChunk = 1 << 20
	chunkQueries = 2
)

// chunker splits spans of days into chunks by the page views a day of
// each month holds, of every site: the months' row counts from the parts
// of every shard, which cost no read of the table. An estimate, and so
// is what it bounds.
type chunker struct {
	perDay map[string]float64 // by partition (YYYYMM, UTC)
}

// chunks splits spans of days (midnights of one zone) into chunks
// (chunker.split). Spans of one day, such as an unfiltered report's today,
// are chunks already: they cost no reading of the parts.
func (s *Store) chunks(ctx context.Context, spans [][2]time.Time) ([][2]time.Time, error) {
	long := slices.ContainsFunc(spans, func(span [2]time.Time) bool { return span[0].AddDate(0, 0, 1).Before(span[1]) })
	if !long {
		return spans, nil
	}
	c, err := s.newChunker(ctx)
	if err != nil {
		return nil, err
	}
	return c.split(spans), nil
}

// newChunker reads the page views per month of the page views table.
func (s *Store) newChunker(ctx context.Context) (*chunker, error) {
	months, err := s.partitions(ctx, "pageviews")
	if err != nil {
		return nil, err
	}
	c := &chunker{perDay: map[string]float64{}}
	for month, p := range months {
		c.perDay[month] = float64(p.rows) / float64(daysIn(month))
	}
	return c, nil
}

// daysIn returns the days of a partition's month, YYYYMM; 31 if it is
// not one.
func daysIn(month string) int {
	n, err := strconv.Atoi(month)
	if err != nil || len(month) != 6 {
		return 31
	}
	return time.Date(n/100, time.Month(n%100)+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// split cuts each span [a, b) of days (midnights of one zone) into chunks
// of about rowsPerChunk page views, a day at least.
func (c *chunker) split(spans [][2]time.Time) [][2]time.Time {
	var out [][2]time.Time
	for _, span := range spans {
		start, rows := span[0], 0.0
		for day := span[0]; day.Before(span[1]); day = day.AddDate(0, 0, 1) {
			n := c.perDay[day.UTC().Format("200601")]
			if rows > 0 && rows+n > rowsPerChunk {
				out = append(out, [2]time.Time{start, day})
				start, rows = day, 0
			}
			rows += n
		}
		out = append(out, [2]time.Time{start, span[1]})
	}
	return out
}
