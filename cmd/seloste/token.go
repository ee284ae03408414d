package main

import (
	"context"
	"errors"
	"io"
)

func runToken(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return errors.New("token: not implemented yet")
}
