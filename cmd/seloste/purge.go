package main

import (
	"context"
	"errors"
	"io"
)

func runPurge(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return errors.New("purge: not implemented yet")
}
