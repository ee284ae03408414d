package main

import (
	"context"
	"log/slog"
	"strings"
	"time"

	"github.com/seloste/seloste/analytics"
	"github.com/seloste/seloste/analytics/collect"
	"github.com/seloste/seloste/notice"
)

// statementCheckEvery bounds a wait for the next day: a clock that jumps
// (a suspended machine, a corrected time) is noticed within it.
const statementCheckEvery = time.Hour

// keepStatementCurrent makes a scheduled version take effect on its date
// without a restart: when a Finnish day begins and what is in force has
// changed (a scheduled version's date has come), it rebuilds the notice site
// (with cfg.BuildNotice) and re-reads which events and Gated fields the
// statement in force describes, so that what only the scheduled version
// describes is stored from its date on, and never before. It returns when
// ctx ends.
func keepStatementCurrent(ctx context.Context, cfg serveConfig, sites []string, events analytics.EventConfig, col *collect.Collector, logger *slog.Logger) {
	day := notice.Today(time.Now())
	state := inForceState(cfg.Content)
	for {
		wait := min(time.Until(notice.NextDay(time.Now())), statementCheckEvery)
		t := time.NewTimer(max(wait, time.Second))
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		today := notice.Today(time.Now())
		if today.Equal(day) {
			continue
		}
		day = today
		now := inForceState(cfg.Content)
		if now == state {
			continue
		}
		state = now
		logger.Info("a new day changed the statement in force: rebuilding, re-reading what it describes", "files", now)
		if cfg.BuildNotice {
			buildNoticeAtStart(ctx, cfg, sites, logger)
		}
		refused, err := refusedEvents(cfg.Content, events, logger)
		if err != nil {
			// The sources broke since the last reading: the collector keeps
			// what it stores (already described) until they load again.
			logger.Error("statement not re-read; the collector stores what it stored yesterday", "err", err)
			continue
		}
		col.SetUndescribed(refused)
		col.SetDescribed(describedGated(cfg.Content, logger))
		// A scheduled version is checked against the configured terms
		// before its date (notice check); if one still slipped through,
		// say so now, as a restart would refuse it.
		if set, err := cfg.check(); err == nil {
			if err := notice.ConsentStated(cfg.Content, siteTerms(set.sites)); err != nil {
				logger.Error("the statement now in force does not state the configured consent terms; a restart refuses to start until it does", "err", err)
			}
		}
	}
}

// inForceState names the files in force and those scheduled, so that a
// change of day that changes neither needs no rebuild; "" when the
// statement does not load.
func inForceState(content string) string {
	vs, err := notice.Load(notice.SourceDir(content))
	if err != nil {
		return ""
	}
	var keys []string
	for _, l := range notice.Languages {
		if v, ok := notice.CurrentIn(vs, l.Code); ok {
			keys = append(keys, v.Key())
		}
	}
	for _, v := range notice.Pending(vs) {
		keys = append(keys, "scheduled:"+v.Key())
	}
	return strings.Join(keys, " ")
}
