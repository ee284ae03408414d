package imports

import (
	"archive/zip"
	"bufio"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// Limits bound what reading an export may cost, whatever the file says of
// itself: a zip or gzip bomb stops with an error instead of filling memory
// or the disk.
type Limits struct {
	MaxFileBytes int64 // a file's uncompressed size
	MaxRatio     int64 // uncompressed bytes per compressed byte, beyond the first MiB
	MaxLine      int   // bytes in one line of a file
}

// DefaultLimits fit years of a busy site's exports.
var DefaultLimits = Limits{MaxFileBytes: 8 << 30, MaxRatio: 500, MaxLine: 64 << 10}

// File is one file of an export.
type File struct {
	Name string // base name, e.g. imported_pages_20230101_20231231.csv
	Path string // where it was found, for messages: a path, or "export.zip:name"
	open func() (io.ReadCloser, error)
}

// Open opens the file for reading, uncompressed and bounded by limits.
func (f File) Open(limits Limits) (*Reader, error) {
	rc, err := f.open()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", f.Path, err)
	}
	return &Reader{r: bufio.NewReaderSize(rc, 64<<10), c: rc, path: f.Path, limits: limits, line: 1}, nil
}

// Export lists the files of path: a directory's regular files (not below
// it), a zip's entries, or path itself. Closing the export closes its zip.
type Export struct {
	Files []File
	close func() error
}

// Close closes what OpenExport opened.
func (e *Export) Close() error {
	if e.close == nil {
		return nil
	}
	return e.close()
}

// OpenExport opens a directory, a zip file or a plain (or .gz) file. A zip
// entry whose name leaves the archive (absolute, "..", a drive or a
// backslash), or that says it is larger than the limits allow, makes the
// whole export an error.
func OpenExport(p string, limits Limits) (*Export, error) {
	fi, err := os.Stat(p)
	if err != nil {
		return nil, err
	}
	if fi.IsDir() {
		entries, err := os.ReadDir(p)
		if err != nil {
			return nil, err
		}
		e := &Export{}
		for _, de := range entries {
			if !de.Type().IsRegular() || strings.HasPrefix(de.Name(), ".") {
				continue
			}
			full := filepath.Join(p, de.Name())
			e.Files = append(e.Files, plainFile(full, de.Name(), limits))
		}
		return e, nil
	}
	if strings.EqualFold(filepath.Ext(p), ".zip") {
		return openZip(p, limits)
	}
	return &Export{Files: []File{plainFile(p, filepath.Base(p), limits)}}, nil
}

func plainFile(full, name string, limits Limits) File {
	f := File{Name: strings.TrimSuffix(name, ".gz"), Path: full}
	f.open = func() (io.ReadCloser, error) {
		file, err := os.Open(full)
		if err != nil {
			return nil, err
		}
		if !strings.HasSuffix(name, ".gz") {
			return file, nil
		}
		st, err := file.Stat()
		if err != nil {
			file.Close()
			return nil, err
		}
		z, err := gzip.NewReader(file)
		if err != nil {
			file.Close()
			return nil, fmt.Errorf("not a gzip file: %w", err)
		}
		return &bounded{r: z, closers: []io.Closer{z, file}, max: maxOut(st.Size(), limits)}, nil
	}
	return f
}

// maxOut is how much a compressed file of size bytes may expand to.
func maxOut(size int64, limits Limits) int64 {
	n := min(limits.MaxFileBytes, 1<<20+size*limits.MaxRatio)
	if size > limits.MaxFileBytes/max(1, limits.MaxRatio) {
		n = limits.MaxFileBytes
	}
	return n
}

func openZip(p string, limits Limits) (*Export, error) {
	z, err := zip.OpenReader(p)
	if err != nil {
		return nil, fmt.Errorf("%s: not a zip file: %w", p, err)
	}
	e := &Export{close: z.Close}
	for _, zf := range z.File {
		name := zf.Name
		if strings.HasSuffix(name, "/") {
			continue // a directory entry
		}
		if strings.Contains(name, `\`) || strings.Contains(name, ":") || path.IsAbs(name) || !fs.ValidPath(name) {
			z.Close()
			return nil, fmt.Errorf("%s: entry %q names a path outside the archive: refused (make the zip again from the export's files)", p, name)
		}
		if int64(zf.UncompressedSize64) > maxOut(int64(zf.CompressedSize64), limits) || zf.UncompressedSize64 > uint64(limits.MaxFileBytes) {
			z.Close()
			return nil, fmt.Errorf("%s: entry %q says it expands from %d to %d bytes, more than allowed: refused (a zip bomb?)", p, name, zf.CompressedSize64, zf.UncompressedSize64)
		}
		zf := zf
		e.Files = append(e.Files, File{Name: path.Base(name), Path: p + ":" + name, open: func() (io.ReadCloser, error) {
			rc, err := zf.Open()
			if err != nil {
				return nil, err
			}
			// The sizes in the directory can lie: the reader holds the
			// entry to them and to the limits.
			return &bounded{r: rc, closers: []io.Closer{rc}, max: min(int64(zf.UncompressedSize64), maxOut(int64(zf.CompressedSize64), limits))}, nil
		}})
	}
	return e, nil
}

// bounded stops a reader that gives more than max bytes.
type bounded struct {
	r       io.Reader
	closers []io.Closer
	n, max  int64
}

// ErrTooLarge is a file that expands beyond the limits.
var ErrTooLarge = errors.New("expands beyond the size allowed (a zip or gzip bomb?): refused")

func (b *bounded) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	b.n += int64(n)
	if b.n > b.max {
		return n, ErrTooLarge
	}
	return n, err
}

func (b *bounded) Close() error {
	var errs []error
	for _, c := range b.closers {
		errs = append(errs, c.Close())
	}
	return errors.Join(errs...)
}

// Reader reads an export file, counting lines and refusing a line longer
// than the limit (a huge field), so that a CSV parser on top never holds
// more than that. It is an io.Reader.
type Reader struct {
	r      *bufio.Reader
	c      io.Closer
	path   string
	limits Limits
	line   int // the line being read, from 1
	inLine int // bytes of it so far
	Bytes  int64
}

// Path is the file's name for messages.
func (r *Reader) Path() string { return r.path }

// Line is the number of the line being read.
func (r *Reader) Line() int { return r.line }

func (r *Reader) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	for _, c := range p[:n] {
		if c == '\n' {
			r.line++
			r.inLine = 0
		} else if r.inLine++; r.inLine > r.limits.MaxLine {
			return 0, fmt.Errorf("%s:%d: line longer than %d bytes: refused (not an export of this format?)", r.path, r.line, r.limits.MaxLine)
		}
	}
	r.Bytes += int64(n)
	if errors.Is(err, ErrTooLarge) {
		return n, fmt.Errorf("%s: %w", r.path, err)
	}
	return n, err
}

// Close closes the file.
func (r *Reader) Close() error { return r.c.Close() }
