package store

import (
	"fmt"
	"strings"
)

// canonicalUUID returns id in canonical form (lowercase, dashed) and whether it is a UUID.
// SQLite keeps ids as text, so both backends must agree on one spelling.
func canonicalUUID(id string) (string, bool) {
	if len(id) != 36 {
		return "", false
	}
	id = strings.ToLower(id)
	for i := range len(id) {
		c := id[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return "", false
			}
		default:
			if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
				return "", false
			}
		}
	}
	return id, true
}

// userIDArg validates a user id that is about to be written; "" becomes NULL when nullable.
func userIDArg(id string, nullable bool) (any, error) {
	if id == "" && nullable {
		return nil, nil
	}
	c, ok := canonicalUUID(id)
	if !ok {
		return nil, fmt.Errorf("invalid user id %q: want a UUID", id)
	}
	return c, nil
}
