package store

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"
)

// TestLeaderIsOneReplica: of two replicas on one PostgreSQL database one leads; when its
// connection is lost it no longer does and the other takes over; Close hands leadership on.
func TestLeaderIsOneReplica(t *testing.T) {
	path := filepath.Join(t.TempDir(), "shared")
	a, b := mustOpenPath(t, path), mustOpenPath(t, path)
	if testBackend != "postgres" {
		if a.Leader() != nil {
			t.Fatal("SQLite has a leader elector")
		}
		return
	}
	ctx := context.Background()
	la, lb := a.Leader(), b.Leader()
	if err := la.IsLeader(ctx); err != nil {
		t.Fatalf("first replica: %v", err)
	}
	if err := la.IsLeader(ctx); err != nil {
		t.Fatalf("first replica, asked again: %v", err)
	}
	if err := lb.IsLeader(ctx); !errors.Is(err, ErrNotLeader) {
		t.Fatalf("second replica: %v, want ErrNotLeader", err)
	}
	// The leader's connection dies (a network cut, a restarted server, an administrator).
	var killed int
	if err := b.w.QueryRowContext(ctx, `SELECT COUNT(pg_terminate_backend(pid, 10000)) FROM pg_locks
		WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
		  AND ((classid::bigint << 32) | objid::bigint) = ?`,
		int64(leaderLockKey)).Scan(&killed); err != nil || killed != 1 {
		t.Fatalf("terminate the leader's connection: %d, %v", killed, err)
	}
	if err := lb.IsLeader(ctx); err != nil {
		t.Fatalf("second replica after the leader's connection was lost: %v", err)
	}
	if err := la.IsLeader(ctx); !errors.Is(err, ErrNotLeader) {
		t.Fatalf("first replica after losing its connection: %v, want ErrNotLeader", err)
	}
	if err := lb.Close(); err != nil {
		t.Fatal(err)
	}
	if err := la.IsLeader(ctx); err != nil {
		t.Fatalf("first replica after the leader closed: %v", err)
	}
	_ = la.Close()
}

// TestFirstSeenSharedByReplicas: an event redelivered to another replica (another handle on the
// same database) is known there as already seen.
func TestFirstSeenSharedByReplicas(t *testing.T) {
	path := filepath.Join(t.TempDir(), "shared")
	a, b := mustOpenPath(t, path), mustOpenPath(t, path)
	ctx := context.Background()
	if first, err := a.FirstSeen(ctx, "Ev0SHARED1", t0); err != nil || !first {
		t.Fatalf("first sight on replica A: %v, %v", first, err)
	}
	if first, err := b.FirstSeen(ctx, "Ev0SHARED1", t0.Add(time.Second)); err != nil || first {
		t.Fatalf("the redelivery on replica B: first = %v, %v; want false", first, err)
	}
}
