package throttle

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestParseSentinelURL(t *testing.T) {
	t.Parallel()
	o, err := parseSentinelURL("redis+sentinel://:s3cret@10.0.0.1:26380,sentinel-b,[::1]:26381/my%20master/2?dial_timeout=1s&sentinel_password=sp4ss")
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"10.0.0.1:26380", "sentinel-b:26379", "[::1]:26381"}; !slices.Equal(o.SentinelAddrs, want) {
		t.Errorf("sentinels = %v, want %v", o.SentinelAddrs, want)
	}
	if o.MasterName != "my master" || o.DB != 2 || o.Password != "s3cret" || o.Username != "" ||
		o.SentinelPassword != "sp4ss" || o.DialTimeout != time.Second || o.TLSConfig != nil {
		t.Errorf("options = %+v", o)
	}
	o, err = parseSentinelURL("rediss+sentinel://user:pw@h:1/m")
	if err != nil || o.DB != 0 || o.TLSConfig == nil || o.Username != "user" || o.Password != "pw" || o.SentinelPassword != "" {
		t.Errorf("rediss+sentinel: %+v %v", o, err)
	}

	for _, bad := range []struct{ url, want string }{
		{"redis+sentinel://:s3cret@h:26379", "no master"},
		{"redis+sentinel://:s3cret@h:26379/", "no master"},
		{"redis+sentinel://:s3cret@h:26379/m/x", "database number"},
		{"redis+sentinel://:s3cret@h:26379/m/0/1", "database number"},
		{"redis+sentinel://:s3cret@h:99999/m", "invalid port"},
		{"redis+sentinel://:s3cret@h:26379,,h2/m", "empty"},
		{"redis+sentinel://:s3cret@:26379/m", "no host"},
		{"redis+sentinel://:s3cret@h/m?master_name=x", "master_name"},
		{"redis+sentinel://:s3cret@h/m?password=x", "password"},
		{"redis+sentinel://:s3cret@h/m?bogus=1", "bogus"},
	} {
		_, err := OpenRedis(bad.url)
		if err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("OpenRedis(%q) = %v, want an error about %s", bad.url, err, bad.want)
		}
		if err != nil && strings.Contains(err.Error(), "s3cret") {
			t.Errorf("OpenRedis(%q) leaked the password: %v", bad.url, err)
		}
	}
}
