package admin

import (
	"net/url"
	"strconv"
)

// pageURL is a list page's address with its filters (empty ones left out) and, when key is set,
// the keyset cursor.
func pageURL(path string, filters url.Values, key, cursor string) string {
	q := url.Values{}
	for k, vs := range filters {
		for _, v := range vs {
			if v != "" {
				q.Add(k, v)
			}
		}
	}
	if key != "" {
		q.Set(key, cursor)
	}
	if len(q) == 0 {
		return path
	}
	return path + "?" + q.Encode()
}

// idCursor is an id as a cursor value.
func idCursor(id int64) string { return strconv.FormatInt(id, 10) }
