package djangoimport_test

import (
	"bytes"
	"context"
	"fmt"
	"testing"

	"github.com/authgate/authgate/internal/djangoimport"
	"github.com/authgate/authgate/internal/store/storetest"
)

// BenchmarkImport imports 500 users with one outstanding and one blacklisted token each into a
// fresh SQLite database per iteration, and reports records per second.
func BenchmarkImport(b *testing.B) {
	const users = 500
	var recs []string
	for i := range users {
		id := fmt.Sprintf("0d8e3a52-5d43-4c4c-9a77-%012x", i)
		recs = append(recs, user(id, fmt.Sprintf("user%d@example.com", i)),
			outstandingRec(fmt.Sprint(2*i+1), `"`+id+`"`, fmt.Sprintf("a%031x", i)),
			outstandingRec(fmt.Sprint(2*i+2), `"`+id+`"`, fmt.Sprintf("b%031x", i)),
			fmt.Sprintf(`{"model": "token_blacklist.blacklistedtoken", "pk": %d, "fields": {"token": %d, "blacklisted_at": "2024-01-03T00:00:00Z"}}`, i+1, 2*i+2))
	}
	data := dump(recs...)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		b.StopTimer()
		db := storetest.SQLite(b)
		b.StartTimer()
		rep, err := djangoimport.Import(context.Background(), bytes.NewReader(data), int64(len(data)), db, djangoimport.Options{})
		if err != nil || rep.Skipped > 0 || rep.Tokens.Created != 2*users {
			b.Fatalf("%+v %v", rep, err)
		}
	}
	b.ReportMetric(float64(len(recs)*b.N)/b.Elapsed().Seconds(), "records/s")
}
