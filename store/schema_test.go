package store

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestSchemasInStep checks that migrations/ (SQLite) and migrations_pg/ (PostgreSQL) have the same
// files and build the same schema: the same tables, each with the same columns (name, integer or
// text, NOT NULL or not), the same indexes and the same triggers. A new SQLite migration needs a
// PostgreSQL twin of the same name in migrations_pg/.
func TestSchemasInStep(t *testing.T) {
	if testBackend != "postgres" {
		t.Skip("compares with PostgreSQL; runs in the postgres pass")
	}
	lite, err := migrationsIn(sqliteMigrations)
	if err != nil {
		t.Fatal(err)
	}
	pg, err := migrationsIn(postgresMigrations)
	if err != nil {
		t.Fatal(err)
	}
	names := func(ms []migration) (out []string) {
		for _, m := range ms {
			out = append(out, m.name)
		}
		return out
	}
	if a, b := names(lite), names(pg); !slices.Equal(a, b) {
		t.Fatalf("migration files differ:\n  migrations/    %v\n  migrations_pg/ %v", a, b)
	}

	path := filepath.Join(t.TempDir(), "schema.db")
	testBackend = "sqlite"
	sdb := mustOpenPath(t, path)
	testBackend = "postgres"
	pdb := mustOpenPath(t, path)

	want := describe(t, sdb, `SELECT m.name || '.' || p.name || ' ' ||
			CASE WHEN upper(p.type) IN ('INTEGER', 'BIGINT') THEN 'integer' ELSE lower(p.type) END ||
			CASE WHEN p."notnull" = 1 OR p.pk = 1 THEN ' not null' ELSE '' END
		FROM sqlite_master m JOIN pragma_table_info(m.name) p
		WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'
		UNION ALL SELECT 'index ' || name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL
		UNION ALL SELECT 'trigger ' || name FROM sqlite_master WHERE type = 'trigger'`)
	got := describe(t, pdb, `SELECT table_name || '.' || column_name || ' ' ||
			CASE WHEN data_type IN ('integer', 'bigint') THEN 'integer' ELSE data_type END ||
			CASE WHEN is_nullable = 'NO' THEN ' not null' ELSE '' END
		FROM information_schema.columns WHERE table_schema = current_schema()
		UNION ALL SELECT 'index ' || indexname FROM pg_indexes
			WHERE schemaname = current_schema() AND indexname NOT LIKE '%_pkey'
		UNION ALL SELECT DISTINCT 'trigger ' || trigger_name FROM information_schema.triggers
			WHERE trigger_schema = current_schema()`)
	if !slices.Equal(want, got) {
		for _, w := range want {
			if !slices.Contains(got, w) {
				t.Errorf("PostgreSQL lacks %s", w)
			}
		}
		for _, g := range got {
			if !slices.Contains(want, g) {
				t.Errorf("SQLite lacks %s", g)
			}
		}
	}
}

// describe returns the sorted lines of a schema query.
func describe(tb testing.TB, db *DB, query string) []string {
	tb.Helper()
	rows, err := db.r.QueryContext(context.Background(), query)
	if err != nil {
		tb.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			tb.Fatal(err)
		}
		out = append(out, strings.TrimSpace(s))
	}
	if err := rows.Err(); err != nil {
		tb.Fatal(err)
	}
	slices.Sort(out)
	return out
}
