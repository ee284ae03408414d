package main

import (
	"context"
	"errors"
	"io"
)

func runNoticeBuild(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return errors.New("notice build: not implemented yet")
}
