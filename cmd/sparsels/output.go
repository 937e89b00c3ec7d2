package main

import (
	"bufio"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
)

// outputs are the files a command writes. They are checked before any
// work (paths that clash with each other or with an input, targets that are
// not regular files, directories that cannot be written), each is written
// to a temporary file in its directory, and they are renamed over their
// targets together at the end, so that a command that fails writes
// nothing. Every temporary file is registered in temps, whose cleanup also
// runs on a second interrupt.
type outputs struct {
	list []*output
	dirs []string // directories created by mkdirAll, outermost first
}

// output is one file to write.
type output struct {
	key        string // the name write and drop look it up by
	flag, path string
	tmp        *os.File // the temporary file, created by check
	written    bool     // the content is in tmp, synced and closed
}

// add registers the output of flag -name at path; an empty path is no
// output.
func (o *outputs) add(name, path string) {
	o.addAs(name, name, path)
}

// addAs registers an output named key, given by flag -flag, at path: a
// command that writes several files into a directory given by one flag
// names each by its file name. An empty path is no output.
func (o *outputs) addAs(key, flag, path string) {
	if path != "" {
		o.list = append(o.list, &output{key: key, flag: flag, path: path})
	}
}

// mkdirAll creates the directory dir given by flag -flag, and its missing
// parents, before check. The directories it creates are registered like the
// temporary files: discard, and the cleanup of a second interrupt, remove
// them again if they are still empty, and commit keeps them. A path that
// exists but is not a directory (after symbolic links) is an error.
func (o *outputs) mkdirAll(flag, dir string) error {
	var missing []string
	for d := filepath.Clean(dir); ; d = filepath.Dir(d) {
		fi, err := os.Stat(d)
		if err == nil {
			if !fi.IsDir() {
				return fmt.Errorf("cannot write into %s (-%s): %s is not a directory", dir, flag, d)
			}
			break
		}
		if !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, syscall.ENOTDIR) {
			return fmt.Errorf("cannot write into %s (-%s): %w", dir, flag, err)
		}
		// Missing, or below a file: the loop finds which.
		missing = append(missing, d)
		if filepath.Dir(d) == d {
			break
		}
	}
	for i := len(missing) - 1; i >= 0; i-- {
		d := missing[i]
		if err := os.Mkdir(d, 0o755); err != nil {
			o.discard()
			return fmt.Errorf("cannot write into %s (-%s): %w", dir, flag, err)
		}
		temps.addDir(d)
		o.dirs = append(o.dirs, d)
	}
	return nil
}

// check validates the outputs against each other and against the inputs
// (flag name → path) and reserves a temporary file for each. A clash is a
// usage error; a target that exists but is not a regular file, or a
// directory where no file can be created, is an error. On error nothing is
// left behind.
func (o *outputs) check(inputs map[string]string) error {
	for a, out := range o.list {
		for _, prev := range o.list[:a] {
			if samePath(out.path, prev.path) {
				return usagef("-%s %s and -%s %s name the same file", prev.flag, prev.path, out.flag, out.path)
			}
		}
		for _, name := range slices.Sorted(maps.Keys(inputs)) {
			if in := inputs[name]; in != "" && samePath(out.path, in) {
				return usagef("-%s %s would overwrite the input -%s %s", out.flag, out.path, name, in)
			}
		}
	}
	for _, out := range o.list {
		if err := out.reserve(); err != nil {
			o.discard()
			return err
		}
	}
	return nil
}

// samePath reports whether a and b name the same file: the same cleaned
// absolute path, or the same existing file (through links).
func samePath(a, b string) bool {
	aa, err1 := filepath.Abs(a)
	bb, err2 := filepath.Abs(b)
	if err1 == nil && err2 == nil && aa == bb {
		return true
	}
	fa, err1 := os.Stat(a)
	fb, err2 := os.Stat(b)
	return err1 == nil && err2 == nil && os.SameFile(fa, fb)
}

// reserve refuses a target that is not a regular file (a directory, a
// device such as /dev/null, a FIFO, a socket or a symbolic link, which
// the rename would replace) and creates the temporary file, which proves
// that the directory is writable.
func (out *output) reserve() error {
	if fi, err := os.Lstat(out.path); err == nil && !fi.Mode().IsRegular() {
		return fmt.Errorf("cannot write %s (-%s): it is %s, not a regular file: refusing to replace it", out.path, out.flag, describeMode(fi.Mode()))
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("cannot write %s: %w", out.path, err)
	}
	dir, base := filepath.Split(out.path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+"-*")
	if err != nil {
		return fmt.Errorf("cannot write %s: %w", out.path, err)
	}
	temps.add(f.Name())
	out.tmp = f
	return nil
}

// describeMode names a file type that is not regular.
func describeMode(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeSymlink != 0:
		return "a symbolic link"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeDevice != 0:
		return "a device"
	}
	return "a special file"
}

// write fills the temporary file of the output registered as -name with
// write's output, gzipped when the target's name ends in ".gz", and syncs
// and closes it. The writer fails once ctx is done. It panics if the
// output is not registered.
func (o *outputs) write(ctx context.Context, name string, write func(w io.Writer) error) error {
	out := o.lookup(name)
	if writeHook != nil {
		writeHook(out.key)
	}
	err := out.fill(ctx, write)
	if err != nil {
		return fmt.Errorf("cannot write %s: %w", out.path, err)
	}
	return nil
}

// names returns the base names of the outputs, in order.
func (o *outputs) names() []string {
	var s []string
	for _, out := range o.list {
		s = append(s, filepath.Base(out.path))
	}
	return s
}

// writeHook, if not nil, is called with the key of every output before it
// is filled. Tests set it to act during the writes.
var writeHook func(key string)

// lookup returns the output registered as key; it panics if there is none.
func (o *outputs) lookup(key string) *output {
	for _, x := range o.list {
		if x.key == key {
			return x
		}
	}
	panic("sparsels: unregistered output " + key)
}

// drop gives up the output registered as key: its temporary file is
// removed and commit no longer expects it. It panics if there is none.
func (o *outputs) drop(key string) {
	out := o.lookup(key)
	if out.tmp != nil {
		out.tmp.Close()
		temps.remove(out.tmp.Name())
	}
	o.list = slices.DeleteFunc(o.list, func(x *output) bool { return x == out })
}

func (out *output) fill(ctx context.Context, write func(w io.Writer) error) error {
	f := out.tmp
	perm := fs.FileMode(0o644)
	if fi, err := os.Stat(out.path); err == nil && fi.Mode().IsRegular() {
		perm = fi.Mode().Perm()
	}
	bw := bufio.NewWriterSize(ctxWriter{ctx, f}, 1<<16)
	var w io.Writer = bw
	var zw *gzip.Writer
	if strings.HasSuffix(strings.ToLower(out.path), ".gz") {
		zw = gzip.NewWriter(bw)
		w = zw
	}
	if err := write(w); err != nil {
		return err
	}
	if zw != nil {
		if err := zw.Close(); err != nil {
			return err
		}
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	if err := f.Chmod(perm); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	out.written = true
	return nil
}

// commit renames every written temporary file over its target, holding
// the temporary-file lock so that an interrupt cannot cut the renames
// short, and syncs the directories. It fails, writing nothing, if an
// output was not written.
func (o *outputs) commit() error {
	for _, out := range o.list {
		if !out.written {
			o.discard()
			return fmt.Errorf("internal error: -%s %s was not written", out.flag, out.path)
		}
	}
	temps.mu.Lock()
	defer temps.mu.Unlock()
	for a, out := range o.list {
		if err := os.Rename(out.tmp.Name(), out.path); err != nil {
			for _, rest := range o.list[a:] {
				os.Remove(rest.tmp.Name())
				delete(temps.names, rest.tmp.Name())
			}
			return fmt.Errorf("cannot write %s: %w", out.path, err)
		}
		delete(temps.names, out.tmp.Name())
	}
	for _, d := range o.dirs {
		delete(temps.dirs, d)
	}
	o.dirs = nil
	for _, out := range o.list {
		// Make the renames durable; not all systems can sync a directory.
		if d, err := os.Open(filepath.Dir(out.path)); err == nil {
			d.Sync()
			d.Close()
		}
	}
	return nil
}

// discard removes every temporary file and the directories mkdirAll
// created; nothing is written.
func (o *outputs) discard() {
	for _, out := range o.list {
		if out.tmp != nil {
			out.tmp.Close()
			temps.remove(out.tmp.Name())
		}
	}
	for i := len(o.dirs) - 1; i >= 0; i-- {
		temps.removeDir(o.dirs[i])
	}
	o.dirs = nil
}

// ctxWriter is an io.Writer that fails once its context is done.
type ctxWriter struct {
	ctx context.Context
	w   io.Writer
}

func (c ctxWriter) Write(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.w.Write(p)
}

// ctxReader is an io.Reader that fails once its context is done, so that
// an interrupt stops the reading of a large file promptly.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// tempFiles is the set of temporary files, and of output directories
// created for them, that exist: removed by a command's error paths and, on
// a second interrupt, by cleanup.
type tempFiles struct {
	mu    sync.Mutex
	names map[string]bool
	dirs  map[string]bool
}

var temps = tempFiles{names: map[string]bool{}, dirs: map[string]bool{}}

func (t *tempFiles) addDir(name string) {
	t.mu.Lock()
	t.dirs[name] = true
	t.mu.Unlock()
}

// removeDir removes the directory name if it is empty.
func (t *tempFiles) removeDir(name string) {
	t.mu.Lock()
	os.Remove(name)
	delete(t.dirs, name)
	t.mu.Unlock()
}

func (t *tempFiles) add(name string) {
	t.mu.Lock()
	t.names[name] = true
	t.mu.Unlock()
}

func (t *tempFiles) remove(name string) {
	t.mu.Lock()
	os.Remove(name)
	delete(t.names, name)
	t.mu.Unlock()
}

// cleanup removes every temporary file and keeps the lock, so that no
// rename can follow: the process is about to exit.
func (t *tempFiles) cleanup() {
	t.mu.Lock()
	for name := range t.names {
		os.Remove(name)
	}
	t.names = map[string]bool{}
	// Innermost directories first: a longer path cannot contain a shorter.
	dirs := slices.SortedFunc(maps.Keys(t.dirs), func(a, b string) int { return len(b) - len(a) })
	for _, d := range dirs {
		os.Remove(d)
	}
	t.dirs = map[string]bool{}
}

// inputs returns the input files by flag name.
func (p *problemFiles) inputs() map[string]string {
	return map[string]string{"X": p.X, "Y": p.Y, "L": p.L, "B": p.B, "G": p.G}
}

// addInputs adds the constraint files to inputs.
func (c *constraintFiles) addInputs(inputs map[string]string) {
	inputs["C"], inputs["D"] = c.C, c.D
}

// failOrStop reports err: an interrupt before any result (errInterrupted)
// ends with exitStopped and a note that nothing was written, any other
// error with exitError.
func failOrStop(stderr io.Writer, cmd *command, err error) int {
	if errors.Is(err, errInterrupted) {
		fmt.Fprintf(stderr, "sparsels %s: %v: nothing was written\n", cmd.name, err)
		return exitStopped
	}
	return fail(stderr, cmd, err)
}
