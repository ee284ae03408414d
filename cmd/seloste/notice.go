package main

import (
	"context"
	"errors"
	"io"
)

func runNotice(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return errors.New("notice: not implemented yet")
}
