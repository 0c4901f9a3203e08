//go:build !race

package web_test

// raceAllocs are the allocations the race detector adds to a protected request: none without it.
const raceAllocs = 0
