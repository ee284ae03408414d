package themes

import (
	"io/fs"
	"os"
	"testing"
)

// TestSelosteIsTheFolder checks that the embedded theme is exactly the
// theme folder on disk, file for file, so no file the build needs is left
// out of the binary.
func TestSelosteIsTheFolder(t *testing.T) {
	want := map[string]string{}
	disk := os.DirFS("seloste")
	if err := fs.WalkDir(disk, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(disk, path)
		want[path] = string(b)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	got := 0
	if err := fs.WalkDir(Seloste(), ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		got++
		b, err := fs.ReadFile(Seloste(), path)
		if err != nil {
			return err
		}
		if w, ok := want[path]; !ok {
			t.Errorf("%s is embedded but not in the theme folder", path)
		} else if string(b) != w {
			t.Errorf("%s: embedded content differs from the file", path)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if got != len(want) {
		t.Errorf("embedded %d files, the theme folder has %d", got, len(want))
	}
	for _, name := range []string{"hugo.toml", "layouts/baseof.html", "layouts/partials/seloste/analytics.html", "assets/css/seloste.css"} {
		if _, err := fs.Stat(Seloste(), name); err != nil {
			t.Errorf("the embedded theme has no %s: %v", name, err)
		}
	}
}
