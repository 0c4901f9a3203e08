package store

import "context"

// MigrateTo applies the pending migrations up to version (tests of what a migration does to
// rows written under the schema before it).
func (db *DB) MigrateTo(ctx context.Context, version string) error { return db.migrateTo(ctx, version) }
