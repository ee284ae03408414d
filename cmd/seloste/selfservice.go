package main

import (
	"log/slog"
	"net/http"

	"github.com/seloste/seloste/analytics/selfservice"
)

// mountSelfService mounts the visitor self-service, GET and DELETE /api/me,
// with the collector's sites, trusted proxies and local-page setting, so
// that it computes the same visitor ids as the collector. collect.New has
// already accepted the same sites, so this cannot fail on them; if it fails
// anyway, the routes are left out and the reason is logged.
func mountSelfService(mux *http.ServeMux, store selfservice.Store, set collectorSettings, allowLocal bool, logger *slog.Logger) {
	h, err := selfservice.New(selfservice.Config{
		Store:          store,
		Sites:          set.sites,
		TrustedProxies: set.proxies,
		AllowLocal:     allowLocal,
		Logger:         logger,
	})
	if err != nil {
		logger.Error("visitor self-service (/api/me) not available", "err", err)
		return
	}
	h.Register(mux)
}

// selfServiceRoutes is mountSelfService as a part for newMux.
func selfServiceRoutes(store selfservice.Store, set collectorSettings, allowLocal bool, logger *slog.Logger) registrar {
	return registrarFunc(func(mux *http.ServeMux) { mountSelfService(mux, store, set, allowLocal, logger) })
}

type registrarFunc func(mux *http.ServeMux)

func (f registrarFunc) Register(mux *http.ServeMux) { f(mux) }
