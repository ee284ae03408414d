package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/seloste/seloste/analytics/auth"
)

func runToken(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("token", "[-auth FILE | -db FILE] [-name NAME | -revoke NAME | -list]", stderr)
	authPath := authFlags(fs)
	name := fs.String("name", "api", "`name` of the new token, to tell tokens apart and revoke one")
	revoke := fs.String("revoke", "", "revoke the token with this `name` instead of creating one")
	list := fs.Bool("list", false, "list the tokens' names and creation times")
	if err := parseFlags(fs, args, ""); err != nil {
		return err
	}
	authFile, err := authPath(ctx)
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
			fmt.Fprintf(stdout, "%s\t%s\n", t.Name, t.Created.Format(time.RFC3339))
		}
		return nil
	case *revoke != "":
		if err := f.RevokeToken(*revoke); err != nil {
			return fmt.Errorf("token: %w", err)
		}
		if err := f.Save(authFile); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "Token %q revoked.\n", *revoke)
		return nil
	}
	tok, err := f.AddToken(*name, time.Now())
	if err != nil {
		return fmt.Errorf("token: -name: %w", err)
	}
	if err := f.Save(authFile); err != nil {
		return err
	}
	fmt.Fprintln(stdout, tok)
	fmt.Fprintf(stderr, "Token %q created. It is shown only now; send it as \"Authorization: Bearer TOKEN\" to /api/stats or /metrics.\n", *name)
	return nil
}
