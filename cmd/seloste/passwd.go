package main

import (
	"context"
	"errors"
	"io"
)

func runPasswd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return errors.New("passwd: not implemented yet")
}
