package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/seloste/seloste/analytics"
	"github.com/seloste/seloste/analytics/auth"
)

func runToken(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("token", "[-auth FILE | -db FILE] [-name NAME] [-user USER] | -revoke NAME | -list", stderr)
	at := addAuthTarget(fs)
	user := fs.String("user", "", "the `user` the token acts as, with their rights (default: the first admin)")
	name := fs.String("name", "api", "`name` of the new token, to tell tokens apart and revoke one")
	revoke := fs.String("revoke", "", "revoke the token with this `name` instead of creating one")
	list := fs.Bool("list", false, "list the tokens' names and creation times")
	if err := parseFlags(fs, args, ""); err != nil {
		return err
	}
	_, authFile, err := at.resolve(ctx, fs)
	if err != nil {
		return fmt.Errorf("token: %w", err)
	}
	f, err := auth.Load(authFile)
	if err != nil {
		return err
	}
	switch {
	case *list:
		for _, t := range f.Tokens {
			fmt.Fprintf(stdout, "%s\t%s\t%s\n", t.Name, t.Created.Format(time.RFC3339), t.User)
		}
		return nil
	case *revoke != "":
		if err := f.RevokeToken(*revoke); err != nil {
			return fmt.Errorf("token: %w", err)
		}
		if err := f.Save(authFile); err != nil {
			return err
		}
		at.audit(ctx, analytics.AuditTokenRevoke, *revoke, stderr)
		fmt.Fprintf(stderr, "Token %q revoked.\n", *revoke)
		return nil
	}
	var tok string
	if *user == "" {
		tok, err = f.AddToken(*name, time.Now())
	} else {
		tok, err = f.AddUserToken(*name, *user, time.Now())
	}
	if err != nil {
		return fmt.Errorf("token: -name: %w", err)
	}
	if err := f.Save(authFile); err != nil {
		return err
	}
	at.audit(ctx, analytics.AuditTokenCreate, *name, stderr)
	fmt.Fprintln(stdout, tok)
	fmt.Fprintf(stderr, "Token %q created. It is shown only now; send it as \"Authorization: Bearer TOKEN\" to /api/stats or /metrics.\n", *name)
	return nil
}
