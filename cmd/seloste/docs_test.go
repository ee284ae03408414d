package main

import (
	"bufio"
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// docBlock is one fenced example of the docs marked to be run.
type docBlock struct {
	line int // of the opening fence
	text string
}

// runnableBlocks reads the fenced blocks of a Markdown file whose info
// string is "sh test": examples that run on loopback in an empty folder
// with only the seloste binary on PATH.
func runnableBlocks(t *testing.T, path string) []docBlock {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var (
		blocks []docBlock
		cur    *docBlock
		fence  string
	)
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		trimmed := strings.TrimSpace(line)
		switch {
		case cur != nil && trimmed == fence:
			blocks = append(blocks, *cur)
			cur = nil
		case cur != nil:
			cur.text += line + "\n"
		case strings.HasPrefix(trimmed, "```"):
			info := strings.Fields(strings.TrimLeft(trimmed, "`"))
			if len(info) == 2 && info[0] == "sh" && info[1] == "test" {
				cur, fence = &docBlock{line: n}, strings.Repeat("`", len(trimmed)-len(strings.TrimLeft(trimmed, "`")))
			}
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if cur != nil {
		t.Fatalf("%s:%d: the block is never closed", path, cur.line)
	}
	return blocks
}

// needPortFree stops the test when an example uses addr (serve's default
// address, as a reader's would) and something else already listens there:
// its requests would reach that other server.
func needPortFree(t *testing.T, blocks []docBlock, addr string) {
	t.Helper()
	for _, b := range blocks {
		if !strings.Contains(b.text, addr) {
			continue
		}
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("the examples use %s, which is taken: %v", addr, err)
			}
			t.Skipf("the examples use %s, which is taken here (a running seloste serve?): %v", addr, err)
		}
		ln.Close()
		return
	}
}

// TestDocsExamples runs every example of README.md and docs/ marked
// "sh test", as a reader would type them: the blocks of one page in order,
// in one fresh folder, with the built binary first on PATH. An example
// that stops working fails here, naming its page and line.
func TestDocsExamples(t *testing.T) {
	pages, err := filepath.Glob("../../docs/*.md")
	if err != nil {
		t.Fatal(err)
	}
	pages = append([]string{"../../README.md"}, pages...)
	bin := selosteBinary(t)
	total := 0
	for _, page := range pages {
		blocks := runnableBlocks(t, page)
		if len(blocks) == 0 {
			continue
		}
		total += len(blocks)
		name := strings.TrimPrefix(filepath.ToSlash(page), "../../")
		t.Run(name, func(t *testing.T) {
			needPortFree(t, blocks, "127.0.0.1:8080")
			dir := t.TempDir()
			env := append(os.Environ(), "PATH="+filepath.Dir(bin)+string(os.PathListSeparator)+os.Getenv("PATH"), "HOME="+dir)
			for _, b := range blocks {
				ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
				cmd := exec.CommandContext(ctx, "bash", "-e", "-o", "pipefail", "-c", b.text)
				cmd.Dir, cmd.Env = dir, env
				out, err := cmd.CombinedOutput()
				cancel()
				if err != nil {
					t.Fatalf("%s:%d: the example fails: %v\n%s\noutput:\n%s", name, b.line, err, b.text, out)
				}
			}
		})
	}
	if total == 0 {
		t.Fatal("no example in README.md or docs/ is marked \"sh test\": the docs' commands would go untested")
	}
}
