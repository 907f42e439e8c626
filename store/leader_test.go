package store

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
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

// TestLeaderKeepsNoPoolConnection: the leader's lock is held on a connection of its own, so a
// replica with a pool of one connection (pool_max_conns=1) still reads and writes while it leads.
func TestLeaderKeepsNoPoolConnection(t *testing.T) {
	if testBackend != "postgres" {
		t.Skip("runs in the postgres pass")
	}
	ctx := context.Background()
	u := testPG.URL + "?pool_max_conns=1"
	if strings.Contains(testPG.URL, "?") {
		u = testPG.URL + "&pool_max_conns=1"
	}
	db, err := Open(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	l := db.Leader()
	defer l.Close()
	if err := l.IsLeader(ctx); err != nil {
		t.Fatalf("leader: %v", err)
	}
	wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := db.PutSetting(wctx, "k", "v"); err != nil {
		t.Fatalf("a write while leading with a pool of one: %v", err)
	}
	if _, err := db.Claim(wctx, time.Now(), 10, time.Minute); err != nil {
		t.Fatalf("a claim while leading: %v", err)
	}
}
