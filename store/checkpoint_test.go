package store

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// The writer never checkpoints the WAL inside a commit; the checkpoint connection does it beside
// it, every checkpointEvery commits, and copies the whole WAL when nothing else is running.
func TestCheckpointBesideTheWriter(t *testing.T) {
	sqliteOnly(t)
	ctx := context.Background()
	db := mustOpen(t)

	var auto int
	if err := db.w.QueryRowContext(ctx, `PRAGMA wal_autocheckpoint`).Scan(&auto); err != nil {
		t.Fatal(err)
	}
	if auto != 0 {
		t.Fatalf("the writer's wal_autocheckpoint = %d, want 0 (off)", auto)
	}

	type result struct{ busy, log, done int }
	ran := make(chan result, 4)
	db.ckpt.after = func(busy, log, done int, err error) {
		if err != nil {
			t.Errorf("checkpoint: %v", err)
		}
		ran <- result{busy, log, done}
	}
	for i := range checkpointEvery - 1 {
		if err := db.PutSetting(ctx, fmt.Sprintf("k%d", i), "v"); err != nil {
			t.Fatal(err)
		}
	}
	select {
	case r := <-ran:
		t.Fatalf("checkpointed after %d commits (%+v), want after %d", checkpointEvery-1, r, checkpointEvery)
	default:
	}
	if err := db.PutSetting(ctx, "last", "v"); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	select {
	case r := <-ran:
		if r.busy != 0 || r.log < checkpointEvery || r.done != r.log {
			t.Errorf("checkpoint = %+v; want all of the WAL's %d frames or more copied, not busy", r, checkpointEvery)
		}
	case <-ctx.Done():
		t.Fatal("no checkpoint after checkpointEvery commits")
	}
	if v, err := db.Setting(ctx, "last"); err != nil || v != "v" {
		t.Fatalf("Setting(last) = %q, %v after the checkpoint", v, err)
	}
}
