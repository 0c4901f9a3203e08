package loadtest

import (
	"math/bits"
	"time"
)

// subBuckets is the number of buckets per power of two: a reported percentile is within
// 1/subBuckets (1.6 %) of the true value.
const subBuckets = 64

// maxTracked is the longest duration told apart (about 18 minutes); longer ones count as it.
const maxTracked = 1<<40 - 1

// histogram counts durations in log-linear buckets, in 9 KiB whatever the number of requests
// (one per worker and action, merged at the end; never shared between goroutines).
type histogram struct {
	counts [35 * subBuckets]uint32
	n      uint64
	max    time.Duration
}

// bucketOf maps nanoseconds to a bucket: exact below subBuckets, then subBuckets buckets for
// every power of two.
func bucketOf(v uint64) int {
	if v < subBuckets {
		return int(v)
	}
	shift := bits.Len64(v) - 7 // v>>shift is in [64, 128)
	return (shift+1)*subBuckets + int(v>>uint(shift)) - subBuckets
}

// bucketMid is the middle of a bucket's range, the value reported for it.
func bucketMid(i int) time.Duration {
	if i < subBuckets {
		return time.Duration(i)
	}
	shift := i/subBuckets - 1
	low := uint64(i%subBuckets+subBuckets) << uint(shift)
	return time.Duration(low + (uint64(1)<<uint(shift))/2)
}

func (h *histogram) record(d time.Duration) {
	if d < 0 {
		d = 0
	}
	h.counts[bucketOf(uint64(min(d, maxTracked)))]++
	h.n++
	if d > h.max {
		h.max = d
	}
}

func (h *histogram) merge(o *histogram) {
	for i, c := range o.counts {
		h.counts[i] += c
	}
	h.n += o.n
	if o.max > h.max {
		h.max = o.max
	}
}

// quantile returns the duration below which a fraction q of the recorded values fall; the
// largest value is exact.
func (h *histogram) quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	if q >= 1 {
		return h.max
	}
	rank := uint64(q*float64(h.n)) + 1
	if rank > h.n {
		rank = h.n
	}
	var seen uint64
	for i, c := range h.counts {
		seen += uint64(c)
		if seen >= rank {
			return min(bucketMid(i), h.max)
		}
	}
	return h.max
}
