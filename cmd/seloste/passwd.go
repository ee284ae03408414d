package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/seloste/seloste/analytics"
	"github.com/seloste/seloste/analytics/auth"
)

// stdin is where passwd reads the password; tests replace it.
var stdin io.Reader = os.Stdin

// authFileName is the auth file's name; it sits next to the database.
const authFileName = "seloste.auth"

// authPathFor is the default auth file of the database db: seloste.auth in
// the same directory. "seloste serve" uses the same rule.
func authPathFor(db string) string {
	path := storePath(db)
	if path == "" {
		return authFileName // an engine without a file: the working directory
	}
	return filepath.Join(filepath.Dir(path), authFileName)
}

func runPasswd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("passwd", "[-auth FILE | -db FILE]", stderr)
	at := addAuthTarget(fs)
	if err := parseFlags(fs, args, "; the password is read from the terminal or stdin"); err != nil {
		return err
	}
	_, authFile, err := at.resolve(ctx, fs)
	if err != nil {
		return fmt.Errorf("passwd: %w", err)
	}
	f, err := auth.Load(authFile)
	if err != nil {
		return err
	}
	pw, err := readNewPassword(stderr)
	if err != nil {
		return fmt.Errorf("passwd: %w", err)
	}
	if err := f.SetPassword(pw); err != nil {
		return fmt.Errorf("passwd: %w", err)
	}
	if err := f.Save(authFile); err != nil {
		return err
	}
	at.audit(ctx, analytics.AuditUserPassword, f.FirstAdmin().Name, stderr)
	fmt.Fprintf(stdout, "Password of the admin set in %s; their earlier dashboard sessions are logged out. Other users: seloste user.\n", authFile)
	return nil
}

// readNewPassword asks twice, without echo, on a terminal; from a pipe it
// reads one line, so scripts can run: printf '%s\n' "$PW" | seloste passwd.
func readNewPassword(prompt io.Writer) (string, error) {
	if f, ok := stdin.(*os.File); ok && isTerminal(f) {
		pw, err := readHidden(f, prompt, "New password: ")
		if err != nil {
			return "", err
		}
		if len([]rune(pw)) >= auth.MinPasswordLen {
			again, err := readHidden(f, prompt, "Repeat it: ")
			if err != nil {
				return "", err
			}
			if again != pw {
				return "", errors.New("the passwords differ; nothing was changed")
			}
		}
		return pw, nil
	}
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !(errors.Is(err, io.EOF) && line != "") {
		if errors.Is(err, io.EOF) {
			return "", errors.New("no password on stdin; type it on a terminal or pipe one line")
		}
		return "", err
	}
	return strings.TrimRight(line, "\r\n"), nil
}

func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// readHidden reads one line from the terminal f with echo turned off. It
// uses stty, which every Unix has, rather than a terminal library; where
// stty is missing it refuses instead of echoing the password.
func readHidden(f *os.File, prompt io.Writer, label string) (string, error) {
	stty := func(arg string) error {
		cmd := exec.Command("stty", arg)
		cmd.Stdin = f
		return cmd.Run()
	}
	if err := stty("-echo"); err != nil {
		return "", fmt.Errorf("cannot turn off echo (%v); pipe the password instead: printf '%%s\\n' \"$PW\" | seloste passwd", err)
	}
	defer stty("echo")
	fmt.Fprint(prompt, label)
	line, err := bufio.NewReader(f).ReadString('\n')
	fmt.Fprintln(prompt)
	if err != nil {
		return "", err
	}
	return strings.TrimRight(line, "\r\n"), nil
}
