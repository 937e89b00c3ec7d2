package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
)

// Exit statuses of the command.
const (
	exitOK      = 0 // success: converged (or stopped by coarsen's quality monitor), or every check passed
	exitError   = 1 // bad data, failed write, failed check
	exitUsage   = 2 // bad command line
	exitStopped = 3 // ended by a limit, a stop or an interrupt; see the command's help for what was written
)

// exitSignal is the exit status after a second interrupt, which ends the
// process at once (128 + SIGINT, as a shell reports a process killed by it).
const exitSignal = 130

func main() {
	// The first interrupt (Ctrl-C or SIGTERM) cancels the context: reading
	// stops, a solve ends and writes the best G found if it computed one,
	// and the other commands stop without writing. A second interrupt ends
	// the process at once, after removing every temporary file, without
	// writing anything more.
	ctx, cancel := context.WithCancel(context.Background())
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-sigs
		cancel()
		<-sigs
		temps.cleanup()
		fmt.Fprintln(os.Stderr, "sparsels: interrupted again: exiting at once; nothing more was written")
		os.Exit(exitSignal)
	}()
	code := runContext(ctx, os.Args[1:], os.Stdout, os.Stderr)
	cancel()
	os.Exit(code)
}

// run runs the command with the arguments args (without the program name)
// and returns its exit status.
func run(args []string, stdout, stderr io.Writer) int {
	return runContext(context.Background(), args, stdout, stderr)
}

// command is a subcommand of sparsels.
type command struct {
	name     string
	synopsis string // one line for the overview
	usage    string // the usage line(s)
	help     string // the description printed before the flags
	args     func() args
}

// args are the flag values of a command and what runs it.
type args interface {
	// register defines the command's flags on fs, with their defaults,
	// storing their values in the receiver.
	register(fs *flag.FlagSet)
	// run runs the command with the parsed flags and returns its exit
	// status; errors are reported on stderr, naming cmd.
	run(ctx context.Context, cmd *command, stdout, stderr io.Writer) int
}

var commands = map[string]*command{
	"solve":   solveCommand,
	"eval":    evalCommand,
	"check":   checkCommand,
	"version": versionCommand,
	"coarsen": coarsenCommand,
}

// runContext is run with a context whose cancellation interrupts a solve.
func runContext(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		printOverview(stderr)
		return exitUsage
	}
	switch args[0] {
	case "help", "-h", "-help", "--help":
		if len(args) == 1 {
			printOverview(stdout)
			return exitOK
		}
		if len(args) > 2 {
			fmt.Fprintf(stderr, "sparsels help: too many arguments %q\n", args[1:])
			return exitUsage
		}
		cmd, ok := commands[args[1]]
		if !ok {
			fmt.Fprintf(stderr, "sparsels help: unknown command %q; run 'sparsels help' for the list\n", args[1])
			return exitUsage
		}
		printUsage(stdout, cmd)
		return exitOK
	case "-version", "--version":
		args = append([]string{"version"}, args[1:]...)
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "sparsels: unknown command %q; run 'sparsels help' for the list\n", args[0])
		return exitUsage
	}
	fs := newFlagSet(cmd)
	a := cmd.args()
	a.register(fs)
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			printUsage(stdout, cmd)
			return exitOK
		}
		return usageFail(stderr, cmd, err)
	}
	if fs.NArg() > 0 {
		return usageFail(stderr, cmd, fmt.Errorf("unexpected argument %q (all inputs are given by flags)", fs.Arg(0)))
	}
	return a.run(ctx, cmd, stdout, stderr)
}

// newFlagSet returns a silent flag set for cmd: errors are reported by
// runContext, usage by printUsage.
func newFlagSet(cmd *command) *flag.FlagSet {
	fs := flag.NewFlagSet("sparsels "+cmd.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs
}

// usageFail reports a command-line error and returns exitUsage.
func usageFail(stderr io.Writer, cmd *command, err error) int {
	fmt.Fprintf(stderr, "sparsels %s: %v\nrun 'sparsels help %s' for usage\n", cmd.name, err, cmd.name)
	return exitUsage
}

// fail reports a data or I/O error and returns exitError.
func fail(stderr io.Writer, cmd *command, err error) int {
	fmt.Fprintf(stderr, "sparsels %s: %v\n", cmd.name, err)
	return exitError
}

// usageError marks an error in the command line, reported with exitUsage.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{fmt.Sprintf(format, args...)}
}

// report returns the exit status for err: exitUsage for a usageError,
// exitError otherwise.
func report(stderr io.Writer, cmd *command, err error) int {
	var ue *usageError
	if errors.As(err, &ue) {
		return usageFail(stderr, cmd, err)
	}
	return fail(stderr, cmd, err)
}

const overview = `sparsels minimizes E(g) = ‖X − Y Gᵀ L G B‖²_F over the nonzero values g of a
sparse n×m matrix G whose pattern is fixed (L n×n, Y r×m, B m×c, X r×c), with
the matrices read from Matrix Market files.

Usage:

	sparsels <command> [flags]

Commands:
`

const overviewTail = `
Run 'sparsels help <command>' or 'sparsels <command> -h' for the flags of a
command.

Exit status: 0 on success (solve converged, coarsen converged or its quality
monitor stopped it, all checks passed); 1 on bad data,
an infeasible constraint, a problem over the memory budget, a failed write or
a failed check; 2 on a bad command line; 3 when solve stopped before
convergence (iteration or time limit, stationary start, no further decrease,
interrupt), in which case the best G found was written if it computed an
iterate, when coarsen stopped likewise (see its help), or when eval or check
was interrupted, with nothing written; 130 after a second interrupt. Outputs
are written all together or not at all.
`

func printOverview(w io.Writer) {
	fmt.Fprint(w, overview)
	names := make([]string, 0, len(commands))
	for name := range commands {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		fmt.Fprintf(w, "\t%-7s %s\n", name, commands[name].synopsis)
	}
	fmt.Fprintf(w, "\t%-7s %s\n", "help", "print the usage of a command")
	fmt.Fprint(w, overviewTail)
}

func printUsage(w io.Writer, cmd *command) {
	fmt.Fprintf(w, "Usage:\n\n%s\n%s\nFlags:\n\n", indent(cmd.usage), strings.TrimLeft(cmd.help, "\n"))
	fs := newFlagSet(cmd)
	cmd.args().register(fs)
	fs.SetOutput(w)
	fs.PrintDefaults()
}

func indent(s string) string {
	lines := strings.Split(strings.Trim(s, "\n"), "\n")
	for i, l := range lines {
		lines[i] = "\t" + l
	}
	return strings.Join(lines, "\n") + "\n"
}
