package analytics

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// ErrNoData is returned by ChooseSite when the store has no page views.
var ErrNoData = errors.New("no page views are stored yet")

// ChooseSite returns the site a report is about: site itself if the store
// has data for it, or, when site is "", the only site the store has. The
// errors say which sites there are.
func ChooseSite(ctx context.Context, store SiteLister, site string) (string, error) {
	sites, err := store.Sites(ctx)
	if err != nil {
		return "", err
	}
	if site == "" {
		switch len(sites) {
		case 0:
			return "", ErrNoData
		case 1:
			return sites[0], nil
		default:
			return "", fmt.Errorf("the store holds several sites; choose one of %s", strings.Join(sites, ", "))
		}
	}
	ok, err := store.HasSite(ctx, site)
	if err != nil {
		return "", err
	}
	if imp, canImport := store.(ImportStore); !ok && canImport {
		// A site may have imported history only, before its first page view.
		list, err := imp.Imports(ctx, site)
		if err != nil {
			return "", err
		}
		ok = len(list) > 0
	}
	if !ok {
		known := "none yet"
		if len(sites) > 0 {
			known = strings.Join(sites, ", ")
		}
		return "", fmt.Errorf("site %q has no data (sites: %s)", site, known)
	}
	return site, nil
}
