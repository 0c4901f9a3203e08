//go:build race

package web_test

// raceAllocs are the allocations the race detector adds to a protected request: its
// instrumentation keeps some values off the stack, and sync.Pool drops a random share of what
// is put back, so the count varies from run to run (26–28 measured). The exact budget is held
// without the race detector: .ci/run runs TestMeAllocationBudget once without -race.
const raceAllocs = 9
