package clickhouse

import (
	"context"
	"fmt"
	"strconv"

	"github.com/ClickHouse/clickhouse-go/v2"

	"github.com/seloste/seloste/analytics"
)

// AddAnnotation stores an owner's note (analytics.AnnotationStore). Its id
// is a set id (newSetID): increasing within the process, unique enough
// across processes for a handful of notes a site.
func (s *Store) AddAnnotation(ctx context.Context, a analytics.Annotation) (analytics.Annotation, error) {
	a, err := analytics.CheckAnnotation(a, s.now())
	if err != nil {
		return analytics.Annotation{}, err
	}
	id := newSetID()
	batch, err := s.conn.PrepareBatch(ctx, "INSERT INTO "+s.annotations+" (id, site, day, text, created)")
	if err != nil {
		return analytics.Annotation{}, fmt.Errorf("add note: %w", err)
	}
	if err := batch.Append(id, a.Site, a.Day, a.Text, a.Created); err != nil {
		batch.Abort()
		return analytics.Annotation{}, fmt.Errorf("add note: %w", err)
	}
	if err := batch.Send(); err != nil {
		return analytics.Annotation{}, fmt.Errorf("add note: %w", err)
	}
	a.ID = strconv.FormatUint(id, 10)
	return a, nil
}

// Annotations lists notes (analytics.AnnotationStore).
func (s *Store) Annotations(ctx context.Context, site, from, to string) ([]analytics.Annotation, error) {
	if to == "" {
		to = "9999"
	}
	rows, err := s.conn.Query(ctx, `SELECT id, site, day, text, created FROM `+s.annotations+`
		WHERE (@site = '' OR site = @site) AND day >= @from AND day <= @to
		ORDER BY site, day, created, id`,
		clickhouse.Named("site", site), clickhouse.Named("from", from), clickhouse.Named("to", to))
	if err != nil {
		return nil, fmt.Errorf("list notes: %w", err)
	}
	defer rows.Close()
	var out []analytics.Annotation
	for rows.Next() {
		var (
			a  analytics.Annotation
			id uint64
		)
		if err := rows.Scan(&id, &a.Site, &a.Day, &a.Text, &a.Created); err != nil {
			return nil, fmt.Errorf("list notes: %w", err)
		}
		a.ID, a.Created = strconv.FormatUint(id, 10), a.Created.UTC()
		out = append(out, a)
	}
	return out, rows.Err()
}

// DeleteAnnotation deletes one note (analytics.AnnotationStore), by a
// mutation on every shard that waits until it is done.
func (s *Store) DeleteAnnotation(ctx context.Context, site, id string) error {
	n, err := strconv.ParseUint(id, 10, 64)
	if err != nil {
		return fmt.Errorf("note %q of %s: %w", id, site, analytics.ErrNoAnnotation)
	}
	var found uint64
	if err := s.conn.QueryRow(ctx, "SELECT count() FROM "+s.annotations+" WHERE site = @site AND id = @id",
		clickhouse.Named("site", site), clickhouse.Named("id", n)).Scan(&found); err != nil {
		return fmt.Errorf("delete note %s: %w", id, err)
	}
	if found == 0 {
		return fmt.Errorf("note %s of %s: %w", id, site, analytics.ErrNoAnnotation)
	}
	if err := s.mutate(ctx, fmt.Sprintf("ALTER TABLE annotations DELETE WHERE site = %s AND id = %d", quote(site), n)); err != nil {
		return fmt.Errorf("delete note %s: %w", id, err)
	}
	return nil
}
