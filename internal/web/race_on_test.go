//go:build race

package web_test

// raceAllocs are the allocations the race detector adds to a protected request (its
// instrumentation keeps some values off the stack).
const raceAllocs = 7
