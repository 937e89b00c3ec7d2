package main

import (
	"flag"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/sparsels/sparsels"
	"github.com/sparsels/sparsels/internal/bytesize"
)

// defaultMaxDense is the default of -max-dense-bytes: 2 GiB.
const defaultMaxDense = 2 << 30

// byteSize is a flag.Value for a number of bytes with an optional binary
// unit: 1000, 64K, 512MiB, 2G.
type byteSize int64

func (b *byteSize) String() string {
	v := int64(*b)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"TiB", 1 << 40}, {"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}} {
		if v >= u.mult && v%u.mult == 0 {
			return strconv.FormatInt(v/u.mult, 10) + u.suffix
		}
	}
	return strconv.FormatInt(v, 10)
}

func (b *byteSize) Set(s string) error {
	t := strings.TrimSpace(s)
	units := []struct {
		suffix string
		mult   int64
	}{
		{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"TiB", 1 << 40},
		{"KB", 1 << 10}, {"MB", 1 << 20}, {"GB", 1 << 30}, {"TB", 1 << 40},
		{"K", 1 << 10}, {"M", 1 << 20}, {"G", 1 << 30}, {"T", 1 << 40},
		{"B", 1},
	}
	mult := int64(1)
	for _, u := range units {
		if len(t) > len(u.suffix) && strings.EqualFold(t[len(t)-len(u.suffix):], u.suffix) {
			mult = u.mult
			t = strings.TrimSpace(t[:len(t)-len(u.suffix)])
			break
		}
	}
	v, err := strconv.ParseInt(t, 10, 64)
	if err != nil || v <= 0 || v > math.MaxInt64/mult {
		return fmt.Errorf("want a positive number of bytes such as 1000, 64K or 2GiB")
	}
	*b = byteSize(v * mult)
	return nil
}

// sizeError returns the error for a dense array of rows×cols float64 values
// that would exceed limit bytes, what -max-dense-bytes leaves beside the
// problem, or nil if it fits. The size is computed in
// floating point, so huge dimensions cannot overflow.
func sizeError(what string, rows, cols int, limit int64) error {
	need := 8 * float64(rows) * float64(cols)
	if need <= float64(limit) {
		return nil
	}
	return fmt.Errorf("%s is %d×%d: it needs %.0f bytes (%s) of dense storage, over the %d bytes (%s) that -max-dense-bytes leaves beside the problem",
		what, rows, cols, need, bytesize.Format(need), limit, bytesize.Format(float64(limit)))
}

// finiteFloat is a flag.Value for a finite float64.
type finiteFloat float64

func (f *finiteFloat) String() string { return strconv.FormatFloat(float64(*f), 'g', -1, 64) }

func (f *finiteFloat) Set(s string) error {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return fmt.Errorf("want a finite number")
	}
	*f = finiteFloat(v)
	return nil
}

// problemFiles are the flags naming the files of a problem.
type problemFiles struct {
	X, Y, L, B, G string
	maxDense      byteSize
}

func (p *problemFiles) register(fs *flag.FlagSet, gHelp string) {
	fs.StringVar(&p.X, "X", "", "Matrix Market `file` of the r×c target X (required)")
	fs.StringVar(&p.Y, "Y", "", "Matrix Market `file` of the r×m matrix Y (required)")
	fs.StringVar(&p.L, "L", "", "Matrix Market `file` of the n×n matrix L (required; duplicates are summed)")
	fs.StringVar(&p.B, "B", "", "Matrix Market `file` of the m×c matrix B (required)")
	fs.StringVar(&p.G, "G", "", gHelp)
	p.maxDense.register(fs)
}

// register defines -max-dense-bytes, the memory budget of a command, with
// its default.
func (b *byteSize) register(fs *flag.FlagSet) {
	*b = defaultMaxDense
	fs.Var(b, "max-dense-bytes", "memory budget, in `bytes` (such as 512MiB), for everything the command builds: the files read, the problem, the solver's estimated storage and the dense outputs; dimensions are limited to it divided by 8")
}

// check returns a usage error for the first missing required flag.
func (p *problemFiles) check() error {
	for _, f := range []struct{ name, value, what string }{
		{"X", p.X, "the target X"}, {"Y", p.Y, "the matrix Y"}, {"L", p.L, "the matrix L"},
		{"B", p.B, "the matrix B"}, {"G", p.G, "the pattern and values of G"},
	} {
		if f.value == "" {
			return usagef("missing -%s (the Matrix Market file of %s)", f.name, f.what)
		}
	}
	return nil
}

// constraintFiles are the flags choosing row-wise constraints G·C = D.
type constraintFiles struct {
	rowSum bool
	C, D   string
}

func (c *constraintFiles) register(fs *flag.FlagSet) {
	fs.BoolVar(&c.rowSum, "rowsum", false, "constrain every row of G to sum to 1 (G·1 = 1)")
	fs.StringVar(&c.C, "C", "", "Matrix Market `file` of the m×s matrix C of the constraints G·C = D (with -D)")
	fs.StringVar(&c.D, "D", "", "Matrix Market `file` of the n×s matrix D of the constraints G·C = D (with -C)")
}

func (c *constraintFiles) check() error {
	switch {
	case c.rowSum && (c.C != "" || c.D != ""):
		return usagef("-rowsum cannot be combined with -C and -D")
	case c.C != "" && c.D == "":
		return usagef("-C needs -D (the constraints are G·C = D)")
	case c.D != "" && c.C == "":
		return usagef("-D needs -C (the constraints are G·C = D)")
	}
	return nil
}

// seconds is a flag.Value for a wall-clock duration: a Go duration such as
// 30s, 5m or 1h30m, or a bare number of seconds such as 5 or 0.5.
type seconds time.Duration

func (d *seconds) String() string { return time.Duration(*d).String() }

func (d *seconds) Set(s string) error {
	t := strings.TrimSpace(s)
	if v, err := time.ParseDuration(t); err == nil {
		*d = seconds(v)
		return nil
	}
	v, err := strconv.ParseFloat(t, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) || math.Abs(v) > math.MaxInt64/float64(time.Second) {
		return fmt.Errorf("want a duration such as 30s, 5m or 1h30m, or a number of seconds")
	}
	*d = seconds(time.Duration(math.Round(v * float64(time.Second))))
	return nil
}

// solverFlags are the flags that set the minimization, shared by solve and
// coarsen: -method, -max-iter, the tolerances and -time-limit. They are
// registered, checked and applied by one set of methods, so that both
// commands document, validate and report them alike.
type solverFlags struct {
	method           string
	maxIter          int
	ftol, gtol, xtol finiteFloat
	timeLimit        seconds
}

// register defines the solver flags on fs; -xtol only if stepTol is true.
func (s *solverFlags) register(fs *flag.FlagSet, stepTol bool) {
	fs.StringVar(&s.method, "method", "auto", "minimization `method`: auto (newton on at most 1000 free values, the nonzeros of G less one per constraint; qn on more), qn, hgn, lm, gn, newton, nadam or lbfgs, in any case (full names such as levenberg-marquardt work too)")
	fs.IntVar(&s.maxIter, "max-iter", 0, "maximum number of iterations (0: the solver's default, 20000 for qn, hgn and lbfgs, 1000 for lm, gn and newton, 5000 for nadam)")
	fs.Var(&s.ftol, "ftol", "stop when an accepted step decreases E by at most `f` relative (0: 1e-10, negative: never)")
	fs.Var(&s.gtol, "gtol", "stop when the projected gradient falls to `g` times the smaller of its start and the problem's gradient scale (0: 1e-10, negative: never)")
	if stepTol {
		fs.Var(&s.xtol, "xtol", "stop when an accepted step is at most `x`·‖g‖ (0: 1e-12, negative: never)")
	}
	fs.Var(&s.timeLimit, "time-limit", "stop the minimization after this wall `time`, such as 30s, 5m or 1h30m; a bare number is seconds (0: no limit)")
}

// parseMethod returns the method of -method, or a usage error.
func (s *solverFlags) parseMethod() (sparsels.Method, error) {
	m, err := parseMethod(s.method)
	if err != nil {
		return 0, usagef("-method: %v", err)
	}
	return m, nil
}

// checkLimits returns a usage error for a negative -max-iter or
// -time-limit.
func (s *solverFlags) checkLimits() error {
	switch {
	case s.maxIter < 0:
		return usagef("-max-iter %d: want N ≥ 0", s.maxIter)
	case s.timeLimit < 0:
		return usagef("-time-limit %v: want a duration ≥ 0", time.Duration(s.timeLimit))
	}
	return nil
}

// apply sets the limits and tolerances of set; the method is set apart
// (parseMethod), where each command checks it.
func (s *solverFlags) apply(set *sparsels.Settings) {
	set.MaxIterations = s.maxIter
	set.FunctionTol, set.GradientTol, set.StepTol = float64(s.ftol), float64(s.gtol), float64(s.xtol)
	set.TimeLimit = time.Duration(s.timeLimit)
}

// canonicalName returns s in lower case without '-', '_', ' ' and '.', so
// that "Levenberg-Marquardt", "levenberg_marquardt" and "LevenbergMarquardt"
// compare equal.
func canonicalName(s string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case '-', '_', ' ', '.':
			return -1
		}
		return unicode.ToLower(r)
	}, strings.TrimSpace(s))
}

// methodAliases maps canonical spellings (see canonicalName) to the names
// sparsels.ParseMethod accepts: the short names, the full names of the
// methods and the Go constant names.
var methodAliases = map[string]string{
	"auto":                  "auto",
	"lm":                    "lm",
	"levenbergmarquardt":    "lm",
	"gn":                    "gn",
	"gaussnewton":           "gn",
	"gaussnewtonlinesearch": "gn",
	"newton":                "newton",
	"newtontr":              "newton",
	"newtontrustregion":     "newton",
	"nadam":                 "nadam",
	"lbfgs":                 "lbfgs",
	"qn":                    "qn",
	"quasinewton":           "qn",
	"hgn":                   "hgn",
	"hybridgaussnewton":     "hgn",
}

// parseMethod returns the method named s, in any case and with or without
// hyphens: lm, Levenberg-Marquardt, gn, Gauss-Newton, newton,
// newton-trust-region, qn, quasi-newton, hgn, hybrid-gauss-newton, nadam,
// lbfgs, L-BFGS or auto.
func parseMethod(s string) (sparsels.Method, error) {
	if name, ok := methodAliases[canonicalName(s)]; ok {
		return sparsels.ParseMethod(name)
	}
	return 0, fmt.Errorf("unknown method %q (want auto, qn, hgn, lm, gn, newton, nadam or lbfgs; case and hyphens do not matter, and full names such as levenberg-marquardt are accepted)", s)
}

// linearAliases maps canonical spellings to sparsels.ParseLinearSolver's names.
var linearAliases = map[string]string{
	"auto":               "auto",
	"dense":              "dense",
	"cg":                 "cg",
	"conjugategradient":  "cg",
	"conjugategradients": "cg",
	"pcg":                "cg",
	"preconditionedcg":   "cg",
	"matrixfree":         "cg",
}

// parseLinear returns the linear solver named s, in any case.
func parseLinear(s string) (sparsels.LinearSolver, error) {
	if name, ok := linearAliases[canonicalName(s)]; ok {
		return sparsels.ParseLinearSolver(name)
	}
	return 0, fmt.Errorf("unknown linear solver %q (want auto, dense or cg, in any case)", s)
}
