package redisstore

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Connection defaults, used unless the URL sets them (?dial_timeout=...).
const (
	dialTimeout = 2 * time.Second
	ioTimeout   = 1 * time.Second // read and write
	poolSize    = 8
	pingTimeout = 3 * time.Second
	// resp2 is the protocol spoken unless the URL asks (?protocol=3): the
	// bot uses no RESP3 feature, and with RESP3 go-redis looks for push
	// notifications before every command (2.4% of the bot's CPU under load).
	resp2 = 2
)

// Open connects to the Redis named by spec and pings it. spec is one of:
//
//	redis://[user:password@]host:port[/db][?options]   one server (rediss:// for TLS)
//	redis://...?master_name=NAME[&addr=host:port]       Sentinel; the host is a sentinel
//	host:port                                           one server, no auth, no TLS
//	a,b,c                                               Redis Cluster seeds: each a host:port
//	                                                    or redis(s):// URL; "a," is a one-seed cluster
//
// Options are those of redis.ParseURL. Error messages never contain the
// password: they show the spec through Redact.
func Open(ctx context.Context, spec string) (redis.UniversalClient, error) {
	client, err := newClient(strings.TrimSpace(spec))
	if err != nil {
		return nil, redactErr(fmt.Errorf("open redis %s: %w", Redact(spec), err), spec)
	}
	if err := ping(ctx, client); err != nil {
		_ = client.Close()
		return nil, redactErr(fmt.Errorf("ping redis %s: %w", Redact(spec), err), spec)
	}
	return client, nil
}

func newClient(spec string) (redis.UniversalClient, error) {
	if err := checkSpec(spec); err != nil {
		return nil, err
	}
	switch {
	case spec == "":
		return nil, errors.New("empty address")
	case strings.Contains(spec, ","):
		return newClusterClient(spec)
	case isSentinel(spec):
		return newFailoverClient(spec)
	default:
		return newSingleClient(spec)
	}
}

func newSingleClient(spec string) (redis.UniversalClient, error) {
	o, err := redis.ParseURL(withScheme(spec))
	if err != nil {
		return nil, err
	}
	setDefaults(&o.DialTimeout, &o.ReadTimeout, &o.WriteTimeout, &o.PoolSize, &o.Protocol)
	o.ContextTimeoutEnabled = true
	return redis.NewClient(o), nil
}

func newFailoverClient(spec string) (redis.UniversalClient, error) {
	o, err := redis.ParseFailoverURL(spec)
	if err != nil {
		return nil, err
	}
	setDefaults(&o.DialTimeout, &o.ReadTimeout, &o.WriteTimeout, &o.PoolSize, &o.Protocol)
	o.ContextTimeoutEnabled = true
	return redis.NewFailoverClient(o), nil
}

func newClusterClient(spec string) (redis.UniversalClient, error) {
	o, err := parseCluster(spec)
	if err != nil {
		return nil, err
	}
	setDefaults(&o.DialTimeout, &o.ReadTimeout, &o.WriteTimeout, &o.PoolSize, &o.Protocol)
	o.ContextTimeoutEnabled = true
	return redis.NewClusterClient(o), nil
}

// parseCluster reads a comma-separated list of seeds. The first one gives
// the credentials, TLS and options; the others only add addresses.
func parseCluster(spec string) (*redis.ClusterOptions, error) {
	var opts *redis.ClusterOptions
	for i, seed := range strings.Split(spec, ",") {
		if seed = strings.TrimSpace(seed); seed == "" {
			continue
		}
		o, err := redis.ParseClusterURL(withScheme(seed))
		if err != nil {
			return nil, fmt.Errorf("cluster seed %d: %w", i+1, err)
		}
		if opts == nil {
			opts = o
		} else {
			opts.Addrs = append(opts.Addrs, o.Addrs...)
		}
	}
	if opts == nil {
		return nil, errors.New("no cluster seed")
	}
	return opts, nil
}

// isSentinel reports whether spec is a URL naming a Sentinel master.
func isSentinel(spec string) bool {
	u, err := url.Parse(spec)
	return err == nil && u.Query().Has("master_name")
}

// withScheme turns a bare host:port into a redis:// URL.
func withScheme(addr string) string {
	if strings.Contains(addr, "://") {
		return addr
	}
	return "redis://" + addr
}

// setDefaults fills the timeouts, pool size and protocol the URL left
// unset (zero).
func setDefaults(dial, read, write *time.Duration, pool, protocol *int) {
	orDefault(dial, dialTimeout)
	orDefault(read, ioTimeout)
	orDefault(write, ioTimeout)
	orDefault(pool, poolSize)
	orDefault(protocol, resp2)
}

func orDefault[T comparable](p *T, v T) {
	var zero T
	if *p == zero {
		*p = v
	}
}

func ping(ctx context.Context, client redis.UniversalClient) error {
	ctx, cancel := context.WithTimeout(ctx, pingTimeout)
	defer cancel()
	return client.Ping(ctx).Err()
}
