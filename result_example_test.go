package sparsels_test

import (
	"context"
	"fmt"
	"log"

	"github.com/sparsels/sparsels"
)

// ExampleResult reads the outcome of Solve: why it stopped, the best point
// and its energy, the constraint violation, the counts and times, and the
// per-iteration history (which a Settings.Callback also receives as it
// runs).
func ExampleResult() {
	p, _ := exampleProblem()
	cs, err := sparsels.RowSumConstraints(p.Pattern())
	if err != nil {
		log.Fatal(err)
	}
	var seen int
	set := &sparsels.Settings{
		Constraints: cs,
		Callback: func(sparsels.IterationRecord) error {
			seen++
			return nil // return sparsels.ErrStop to stop early
		},
	}
	res, err := sparsels.Solve(context.Background(), p, []float64{1, 0.6, 0.4, 1}, set)
	if err != nil {
		log.Fatal(err)
	}
	// Status says why Solve stopped; Converged tells a tolerance from a
	// limit, an interruption or a failure. Reason adds the numbers.
	fmt.Println("method:", res.Method, "converged:", res.Status.Converged())
	fmt.Printf("energy %.4f -> below 1e-20: %v\n", res.InitialEnergy, res.Energy < 1e-20)
	fmt.Printf("G = %.4f\n", roundAll(res.G, 1e-9))
	fmt.Println("violation below 1e-15:", res.Violation < 1e-15)

	// One record per iteration; accepted steps never increase the energy.
	monotone := true
	for k := 1; k < len(res.History); k++ {
		monotone = monotone && res.History[k].Energy <= res.History[k-1].Energy
	}
	fmt.Println("history holds every callback record:", len(res.History) == seen, "monotone:", monotone)
	fmt.Println("evaluations counted:", res.FuncEvals > 0 && res.GradEvals > 0)
	fmt.Println("phases within the total:", res.Times.Evaluate+res.Times.Precondition+res.Times.LinearSolve <= res.Times.Total)
	// Output:
	// method: newton converged: true
	// energy 0.9216 -> below 1e-20: true
	// G = [1.0000 1.0000 0.0000 1.0000]
	// violation below 1e-15: true
	// history holds every callback record: true monotone: true
	// evaluations counted: true
	// phases within the total: true
}
