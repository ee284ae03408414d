package sqlite

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/seloste/seloste/analytics"
)

// AddAnnotation stores an owner's note (analytics.AnnotationStore).
func (s *Store) AddAnnotation(ctx context.Context, a analytics.Annotation) (analytics.Annotation, error) {
	a, err := analytics.CheckAnnotation(a, s.now())
	if err != nil {
		return analytics.Annotation{}, err
	}
	res, err := s.db.ExecContext(ctx, `INSERT INTO annotations (site, day, text, created) VALUES (?, ?, ?, ?)`,
		a.Site, a.Day, a.Text, a.Created.Unix())
	if err != nil {
		return analytics.Annotation{}, fmt.Errorf("add note: %w", err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return analytics.Annotation{}, fmt.Errorf("add note: %w", err)
	}
	a.ID = strconv.FormatInt(id, 10)
	return a, nil
}

// Annotations lists notes (analytics.AnnotationStore).
func (s *Store) Annotations(ctx context.Context, site, from, to string) ([]analytics.Annotation, error) {
	if to == "" {
		to = "9999"
	}
	rows, err := s.db.QueryContext(ctx, `
		SELECT id, site, day, text, created FROM annotations
		WHERE (? = '' OR site = ?) AND day >= ? AND day <= ?
		ORDER BY site, day, created, id`, site, site, from, to)
	if err != nil {
		return nil, fmt.Errorf("list notes: %w", err)
	}
	defer rows.Close()
	var out []analytics.Annotation
	for rows.Next() {
		var (
			a       analytics.Annotation
			id      int64
			created int64
		)
		if err := rows.Scan(&id, &a.Site, &a.Day, &a.Text, &created); err != nil {
			return nil, fmt.Errorf("list notes: %w", err)
		}
		a.ID, a.Created = strconv.FormatInt(id, 10), time.Unix(created, 0).UTC()
		out = append(out, a)
	}
	return out, rows.Err()
}

// DeleteAnnotation deletes one note (analytics.AnnotationStore).
func (s *Store) DeleteAnnotation(ctx context.Context, site, id string) error {
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil {
		return fmt.Errorf("note %q of %s: %w", id, site, analytics.ErrNoAnnotation)
	}
	res, err := s.db.ExecContext(ctx, `DELETE FROM annotations WHERE site = ? AND id = ?`, site, n)
	if err != nil {
		return fmt.Errorf("delete note %s: %w", id, err)
	}
	if k, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("delete note %s: %w", id, err)
	} else if k == 0 {
		return fmt.Errorf("note %s of %s: %w", id, site, analytics.ErrNoAnnotation)
	}
	return nil
}
